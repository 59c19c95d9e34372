export * from "./access.ts";
export * from "./common-schemas.ts";
export * from "./dates.ts";
export * from "./errors.ts";
export * from "./holds/hold.ts";
export * from "./holds/schemas.ts";
export * from "./audit-schemas.ts";
