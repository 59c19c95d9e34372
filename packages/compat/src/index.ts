export { COMPAT_PREFIXES, createCompatApp } from "./app.ts";
export { APP_TO_HTTP, toHttpProblem } from "./http-errors.ts";
