import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // The session cookie's and the CLI's tests run on a real database.
    globalSetup: ["@holdfast/db/testing/global-setup"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
