export * from "./harness.ts";
export * from "./issues.ts";
export * from "./seed/index.ts";
