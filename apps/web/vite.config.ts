import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/**
 * The API server the dev server forwards to (`pnpm --filter @holdfast/server start`). The session
 * cookie has no Domain, so through the proxy it belongs to the dev server's origin and stays same-site;
 * it is not Secure unless HOLDFAST_PUBLIC_URL is https, so it works over plain http in development.
 */
const api = "http://127.0.0.1:3000";

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { "/trpc": api, "/healthz": api, "/readyz": api },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    rolldownOptions: {
      treeshake: {
        // @holdfast/domain is pure (no module-level effects), but its package does not say
        // so ("sideEffects": false). Saying it here lets the list and detail screens import
        // its constants without pulling every zod schema into the first load; the forms,
        // which need the schemas, load them in their own chunk.
        moduleSideEffects: [{ test: /[\\/]packages[\\/]domain[\\/]src[\\/]/, sideEffects: false }],
      },
    },
  },
});
