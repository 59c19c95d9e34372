import { defineConfig } from "vitest/config";

// The packed-tarball test builds, packs and runs npm install + tsc in a fresh project: minutes on a busy machine.
export default defineConfig({ test: { include: ["test/**/*.test.ts"], testTimeout: 600_000, hookTimeout: 600_000 } });
