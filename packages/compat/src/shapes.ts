/**
 * The vendors' request shapes and readers, as the routes parse them, for
 * suites that mirror the routes' contracts (`@holdfast/compat/shapes`).
 */
export { toExtendInput } from "./crm/params.ts";
export { ENVELOPE_KEYS, isPlainObject, type MewsIssue, REQUESTS, translate } from "./mews/shape.ts";
export { parseLenientJson } from "./ormb/lenient-json.ts";
export { ENVELOPES } from "./ormb/shapes.ts";
export { zHoldCreateRequest, zHoldListQuery, zHoldUpdateRequest } from "./socotra/shapes.ts";
