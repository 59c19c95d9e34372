import { defineConfig } from "vitest/config";

/**
 * Pure dashboard logic (src/**) and the real-browser end-to-end test (e2e/**):
 * a real PostgreSQL from the globalSetup, the real HTTP server, the built
 * dashboard and a real Chromium.
 */
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "e2e/**/*.test.ts"],
    // The database template, then the dashboard build every browser test loads (built once, not per file).
    globalSetup: ["@holdfast/db/testing/global-setup", "./e2e/build-dashboard.ts"],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    teardownTimeout: 60_000,
    // scripts/run-tests.mjs totals every package's .vitest/results.json.
    reporters: ["default", "json"],
    outputFile: { json: ".vitest/results.json" },
  },
});
