import type http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import sirv from "sirv";
import { buildOpenApiDocument } from "./openapi.ts";

const require = createRequire(import.meta.url);

/** /openapi.json and a browsable reference at /docs (Swagger UI, served from its npm package). */
export function createApiDocs() {
  let document: string | null = null;
  const assets = sirv(path.dirname(require.resolve("swagger-ui-dist/package.json")), { dev: false });
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Holdfast API reference</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/holdfast-init.js"></script>
</body></html>`;
  // A file, not an inline script: the Content-Security-Policy allows scripts from this origin only.
  const init = 'window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#ui", deepLinking: true });\n';
  return (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    const url = (req.url ?? "/").split("?")[0] ?? "/";
    if (url === "/openapi.json") {
      document ??= JSON.stringify(buildOpenApiDocument());
      res.writeHead(200, { "content-type": "application/json" });
      res.end(document);
      return true;
    }
    if (url === "/docs" || url === "/docs/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(page);
      return true;
    }
    if (url === "/docs/holdfast-init.js") {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" });
      res.end(init);
      return true;
    }
    if (url.startsWith("/docs/")) {
      req.url = url.slice("/docs".length);
      assets(req, res, () => {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: "not found" }));
      });
      return true;
    }
    return false;
  };
}
