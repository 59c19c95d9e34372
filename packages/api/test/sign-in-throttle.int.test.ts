/**
 * Sign-in throttling through the real router and database, on the injected
 * clock: per email (5 free failures, then 1 s, 2 s, 4 s … at most 15 min)
 * and per client address across emails (20 free failures); past the limit
 * TOO_MANY_REQUESTS with `retryAfterSeconds` and a `Retry-After` header, the
 * right password included, until the window ends.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { appRouter, createContext, responseHeadersFor } from "@holdfast/api";
import { ALL_PERMISSIONS } from "@holdfast/domain";
import { appErrorOf } from "@holdfast/testing/issues";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { afterAll, describe, expect, it } from "vitest";
import { clientCaller, expectTrpcError, setupWorld } from "./harness.ts";

const w = setupWorld({ tenantName: "Throttle tenant" });

const PASSWORD = "a long and unusual passphrase";
const WRONG = "not the password at all";
let seq = 0;
let ipSeq = 0;
/** A client address no other test used. */
const freshIp = () => `192.0.2.${++ipSeq}`;

const later = (ms: number) => w.clock.set(new Date(w.clock.now().getTime() + ms));

async function member() {
  const email = `throttle-${++seq}@throttle.test`;
  const created = await w.api.users.create({ email, name: "Throttled", permissions: ALL_PERMISSIONS });
  await w.anonymous.auth.setPassword({ token: created.link?.path.split("#")[1] ?? "", password: PASSWORD });
  return email;
}

async function attempt(email: string, password: string, clientIp: string) {
  return (await clientCaller(w, null, { clientIp, userAgent: "attacker/1.0" })).auth.signIn({ email, password });
}

async function expectThrottled(call: Promise<unknown>, retryAfterSeconds: number) {
  const err = await expectTrpcError(call, "TOO_MANY_REQUESTS");
  expect(appErrorOf(err).details).toEqual({ retryAfterSeconds });
}

describe("per email", () => {
  it("the 6th wrong password is 429; the right one waits out the window, then signs in", async () => {
    const email = await member();
    for (let i = 0; i < 5; i++) await expectTrpcError(attempt(email, WRONG, freshIp()), "UNAUTHORIZED");
    await expectThrottled(attempt(email, WRONG, freshIp()), 1);
    await expectThrottled(attempt(email, PASSWORD, freshIp()), 1);
    later(999);
    await expectThrottled(attempt(email.toUpperCase(), PASSWORD, freshIp()), 1);
    later(1);
    expect((await attempt(email, PASSWORD, freshIp())).token).toMatch(/^hfs_/);
    // Success forgets the email's failures: five free ones again.
    for (let i = 0; i < 5; i++) await expectTrpcError(attempt(email, WRONG, freshIp()), "UNAUTHORIZED");
    await expectThrottled(attempt(email, WRONG, freshIp()), 1);
  });

  it("each failure past the limit doubles the block, up to 15 minutes", async () => {
    const email = await member();
    for (let i = 0; i < 5; i++) await expectTrpcError(attempt(email, WRONG, freshIp()), "UNAUTHORIZED");
    for (const seconds of [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]) {
      await expectThrottled(attempt(email, WRONG, freshIp()), seconds);
      later(seconds * 1000);
      await expectTrpcError(attempt(email, WRONG, freshIp()), "UNAUTHORIZED");
    }
  });

  it("an unknown email is throttled the same way (no hint that it does not exist)", async () => {
    const email = `nobody-${++seq}@throttle.test`;
    for (let i = 0; i < 5; i++) await expectTrpcError(attempt(email, WRONG, freshIp()), "UNAUTHORIZED");
    await expectThrottled(attempt(email, WRONG, freshIp()), 1);
  });

  it("a run of failures is forgotten an hour after its last one", async () => {
    const email = await member();
    for (let i = 0; i < 4; i++) await expectTrpcError(attempt(email, WRONG, freshIp()), "UNAUTHORIZED");
    later(60 * 60_000);
    for (let i = 0; i < 4; i++) await expectTrpcError(attempt(email, WRONG, freshIp()), "UNAUTHORIZED");
    await attempt(email, PASSWORD, freshIp());
  });
});

describe("per client address", () => {
  it("20 failures from one address across different emails block it; another address is not affected", async () => {
    const ip = freshIp();
    for (let i = 0; i < 20; i++) {
      await expectTrpcError(attempt(`spray-${i}@throttle.test`, WRONG, ip), "UNAUTHORIZED");
    }
    const email = await member();
    await expectThrottled(attempt(email, PASSWORD, ip), 1);
    expect((await attempt(email, PASSWORD, freshIp())).token).toMatch(/^hfs_/);
    later(1000);
    expect((await attempt(email, PASSWORD, ip)).token).toMatch(/^hfs_/);
  });
});

describe("over HTTP", () => {
  const servers: http.Server[] = [];
  afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

  it("a throttled sign-in answers 429 with Retry-After", async () => {
    const handler = createHTTPHandler({
      router: appRouter,
      basePath: "/trpc/",
      createContext: ({ req }) =>
        createContext(
          { db: w.db, clock: w.clock },
          { requestId: "http", clientIp: req.socket.remoteAddress, userAgent: req.headers["user-agent"] },
        ),
      responseMeta: ({ errors }) => ({ headers: responseHeadersFor(errors) }),
    });
    const server = http.createServer((req, res) => void handler(req, res));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    const email = await member();
    const post = () =>
      fetch(`http://127.0.0.1:${port}/trpc/auth.signIn`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password: WRONG }),
      });
    for (let i = 0; i < 5; i++) expect((await post()).status).toBe(401);
    const refused = await post();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    const body = (await refused.json()) as { error: { data: { code: string; details: unknown } } };
    expect(body.error.data).toMatchObject({ code: "TOO_MANY_REQUESTS", details: { retryAfterSeconds: 1 } });
  });
});
