import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["@holdfast/db/testing/global-setup"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
