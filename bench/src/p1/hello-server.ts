/**
 * P1's hello world, run as its own process: one POST answering {"hello":"<name>"}
 * three ways, to price tRPC's HTTP adapter alone (no database, no validation
 * beyond one zod string). MODE=bare: node:http, the body read and answered by
 * hand. MODE=adapter: one tRPC mutation behind tRPC's standalone (node-http)
 * adapter, as apps/server ran every call before. MODE=direct: the same
 * mutation called as apps/server's direct path does (trpc-direct.ts): the
 * procedure with its input parser, no Fetch Request/Response.
 *
 * Env: PORT, MODE.
 */
import http from "node:http";
import { initTRPC } from "@trpc/server";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import type { AnyProcedure } from "@trpc/server/unstable-core-do-not-import";
import { z } from "zod";

const t = initTRPC.create();
const router = t.router({
  hello: t.procedure.input(z.object({ name: z.string() })).mutation(({ input }) => ({ hello: input.name })),
});

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

const mode = process.env.MODE ?? "bare";
const adapter = createHTTPHandler({ router, basePath: "/trpc/" });
const hello = router._def.procedures.hello as AnyProcedure;

const server = http.createServer((req, res) => {
  if (req.url === "/healthz") return send(res, 200, { ok: true });
  if (mode === "adapter") return void adapter(req, res);
  void readBody(req).then(async (text) => {
    if (mode === "bare") {
      const name = (JSON.parse(text) as { name?: unknown }).name;
      return typeof name === "string" ? send(res, 200, { result: { data: { hello: name } } }) : send(res, 400, {});
    }
    try {
      const input = JSON.parse(text);
      const data = await hello({
        path: "hello",
        getRawInput: async () => input,
        ctx: {},
        type: "mutation",
        signal: undefined,
        batchIndex: 0,
      });
      send(res, 200, { result: { data } });
    } catch {
      send(res, 400, {});
    }
  });
});
server.listen(Number(process.env.PORT), "127.0.0.1");
const stop = () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
