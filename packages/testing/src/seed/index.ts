/** Seeding shared by the worker tests, the end-to-end tests and the benchmarks (no vitest in here). */
export * from "./dates.ts";
export * from "./due.ts";
export * from "./holds.ts";
export * from "./tenants.ts";
