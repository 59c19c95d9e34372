export * from "./client.ts";
export * from "./migrate.ts";
export * from "./read-replica.ts";
export * as schema from "./schema/index.ts";
