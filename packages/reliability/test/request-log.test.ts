/**
 * The request log and the request id, through a real server process at
 * LOG_LEVEL=info: a well-formed incoming X-Request-Id is the same in the
 * answer, the request log line and the audit row of the change it made; the
 * log line names the credential by id (never its secret), its tenant and the
 * client address.
 */
import { createTestWorld, NOW, type TestWorld } from "@holdfast/testing/harness";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningServer, startServer } from "./catalog/server.ts";

let w: TestWorld;
let server: RunningServer;
let tenantId = "";
let secret = "";

beforeAll(async () => {
  w = await createTestWorld({ now: NOW });
  tenantId = await w.tenant("Request log tenant");
  secret = await w.token(tenantId);
  server = await startServer({ databaseUrl: w.url, now: NOW, env: { LOG_LEVEL: "info" } });
}, 240_000);

afterAll(async () => {
  await server?.stop();
  await w?.close();
});

it("one request id in the answer, the log line and the audit row; the log names credential id, tenant and address, never the secret", async () => {
  const requestId = "client:log-check.1";
  const res = await fetch(`${server.baseUrl}/trpc/accounts.create`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json", "x-request-id": requestId },
    body: JSON.stringify({ name: "Logged account" }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  expect(res.headers.get("x-request-id")).toBe(requestId);
  const account = ((await res.json()) as { result: { data: { locator: string } } }).result.data;

  const [audit] = await w.db.$client<{ request_id: string | null; credential_id: string | null }[]>`
    select request_id, credential_id from audit_events where entity_id = ${account.locator}`;
  expect(audit?.request_id).toBe(requestId);
  const principal = await w.principal(secret);
  expect(principal).not.toBeNull();

  // The line is written when the answer finishes; give the process a moment to flush it.
  let line: Record<string, unknown> | undefined;
  for (let i = 0; i < 50 && !line; i++) {
    line = server
      .output()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === "request" && l.requestId === requestId);
    if (!line) await new Promise((r) => setTimeout(r, 100));
  }
  expect(line).toMatchObject({
    requestId,
    route: "trpc:accounts.create",
    status: 200,
    credentialId: principal?.credentialId,
    tenant: tenantId,
    clientIp: "127.0.0.1",
  });
  expect(audit?.credential_id).toBe(principal?.credentialId);
  expect(server.output()).not.toContain(secret);
});
