export * from "./client.ts";
export * from "./migrate.ts";
export * from "./pooler.ts";
export * as schema from "./schema/index.ts";
