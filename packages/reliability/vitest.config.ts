import { defineConfig } from "vitest/config";

// The reliability suites (issue 6): model-based tests, races, faults,
// idempotency, bad input and the tenant isolation matrix. One real PostgreSQL
// per run (globalSetup); each file clones the migrated template.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["@holdfast/db/testing/global-setup"],
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
