export { COMPAT_PREFIXES, createCompatApp, REQUEST_ID_RE } from "./app.ts";
export { jsonTooDeepAt, MAX_JSON_DEPTH, UNAUTHENTICATED_BODY_BYTES } from "./body.ts";
export type { Admission, CompatDeps, RequestLimiter } from "./context.ts";
export { APP_TO_HTTP, toHttpProblem } from "./http-errors.ts";
