export * from "./client.ts";
export * from "./migrate.ts";
export * from "./migrate-errors.ts";
export * from "./migrate-gate.ts";
export * from "./pooler.ts";
export * from "./read-replica.ts";
export * as schema from "./schema/index.ts";
