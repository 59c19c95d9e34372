export * from "./access.ts";
export * from "./audit.ts";
export * from "./automations.ts";
export * from "./holds.ts";
export * from "./idempotency.ts";
export * from "./subscriptions.ts";
export * from "./tenants.ts";
export * from "./worker.ts";
