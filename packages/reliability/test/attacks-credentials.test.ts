/**
 * Attacks on credentials, against real server processes on this file's
 * database, over 127.0.0.1 only (client addresses 127.0.0.x, all loopback):
 * - brute force: wrong passwords to auth.signIn for one email are 401, then
 *   429 with Retry-After, the right password included; failures across many
 *   emails from one client address reach that address's limit, while another
 *   address still signs in;
 * - a rolled token's overlap ends on the injected clock: both secrets work at
 *   the roll and a second before the overlap's end (a server process whose
 *   clock stands there); from its end (another process) the old secret is 401
 *   on tRPC and on every vendor family, the new one works;
 * - a read-only token (holds:read, holds:list, automations:read,
 *   subscriptions:read) gets 403 on every tRPC mutation and on every vendor
 *   write route, in the vendor's error shape, and no table changes.
 */
import http from "node:http";
import { setupWorld } from "@holdfast/api/testing";
import type { Permission } from "@holdfast/domain";
import { authenticate, createApiToken } from "@holdfast/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allTableChecksums,
  buildFixture,
  changedTables,
  FIXTURE_NOW,
  type Fixture,
  type HttpAnswer,
  listProcedures,
  PROCEDURES,
  ROUTES,
  type RouteEntry,
  type RunningServer,
  startServer,
  toWire,
  withToken,
} from "./catalog/index.ts";

const w = setupWorld({ now: FIXTURE_NOW });
let fx: Fixture;
let server: RunningServer;
const stopLater: RunningServer[] = [];

beforeAll(async () => {
  fx = await buildFixture(w);
  server = await startServer({ databaseUrl: w.url, now: FIXTURE_NOW });
  stopLater.push(server);
}, 240_000);

afterAll(async () => {
  await Promise.all(stopLater.map((s) => s.stop()));
});

interface Answer extends HttpAnswer {
  json: Record<string, Record<string, unknown>>;
}

/** One request on its own connection, from `from` (a loopback address: the server sees it as the client's). */
function send(
  port: number,
  req: { method: string; path: string; headers?: Record<string, string>; body?: string },
  from = "127.0.0.1",
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...(req.headers ?? {}) };
    if (req.body !== undefined) headers["content-length"] = Buffer.byteLength(req.body);
    const r = http.request(
      {
        host: "127.0.0.1",
        port,
        localAddress: from,
        method: req.method,
        path: req.path,
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json = {};
          try {
            json = text ? JSON.parse(text) : {};
          } catch {
            json = {};
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    r.on("error", reject);
    r.end(req.body);
  });
}

/** A tRPC call as @trpc/client makes it: GET ?input= for queries, POST JSON for mutations. */
function trpc(
  port: number,
  kind: "query" | "mutation",
  name: string,
  token: string | null,
  input?: unknown,
  from?: string,
) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (kind === "query") {
    const q = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    return send(port, { method: "GET", path: `/trpc/${name}${q}`, headers }, from);
  }
  return send(
    port,
    {
      method: "POST",
      path: `/trpc/${name}`,
      headers: { ...headers, "content-type": "application/json" },
      ...(input === undefined ? {} : { body: JSON.stringify(input) }),
    },
    from,
  );
}

const trpcCode = (a: Answer) => (a.json.error?.data as { code?: string } | undefined)?.code;

/** The vendor's own error code (ORMB has none: its envelope's status). */
function vendorCode(vendor: RouteEntry["vendor"], a: Answer): unknown {
  switch (vendor) {
    case "socotra":
      return a.json.error?.code;
    case "mews":
      return (a.json.Details as { Code?: string } | undefined)?.Code;
    case "crm":
      return a.json.status?.code;
    case "ormb":
      return Object.values(a.json)[0]?.requestProcessStatus;
  }
}

const compat = (port: number, vendor: RouteEntry["vendor"], entry: RouteEntry, token: string) =>
  send(port, toWire(withToken(vendor, entry.request(fx.A), token)));

describe("brute force on auth.signIn (5 free failures per email, 20 per client address)", () => {
  const signIn = (email: string, password: string, from: string) =>
    trpc(server.port, "mutation", "auth.signIn", null, { email, password }, from);

  it("one email: 401 five times, then 429 with Retry-After, the right password included", async () => {
    const { email, password } = fx.A.user;
    const from = "127.0.0.2";
    const answers: Answer[] = [];
    for (let i = 0; i < 8; i++) answers.push(await signIn(email, `wrong password number ${i}`, from));
    const statuses = answers.map((a) => a.status);
    console.log(`[attacks] wrong passwords for one email: ${statuses.join(",")}`);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    for (const a of answers.slice(0, 5)) expect(trpcCode(a)).toBe("UNAUTHORIZED");
    for (const a of answers.slice(5)) {
      expect(trpcCode(a)).toBe("TOO_MANY_REQUESTS");
      // The frozen clock stands at the failure that blocked the email: 1 s left, for ever.
      expect(a.headers["retry-after"]).toBe("1");
    }
    // The right password within the window, from this address and from another one.
    for (const other of [from, "127.0.0.3"]) {
      const right = await signIn(email.toUpperCase(), password, other);
      expect(right.status, right.text).toBe(429);
      expect(trpcCode(right)).toBe("TOO_MANY_REQUESTS");
      expect(right.headers["retry-after"]).toBe("1");
      expect(right.text).not.toContain("hfs_");
    }
  });

  it("one client address across many emails: 401 twenty times, then 429 for every email; another address signs in", async () => {
    const from = "127.0.0.4";
    const answers: Answer[] = [];
    for (let i = 0; i < 25; i++) answers.push(await signIn(`spray-${i}@reliability.test`, "a wrong password", from));
    const statuses = answers.map((a) => a.status);
    console.log(`[attacks] one wrong password for each of 25 emails from one address: ${statuses.join(",")}`);
    expect(statuses).toEqual([...Array(20).fill(401), ...Array(5).fill(429)]);
    for (const a of answers.slice(20)) expect(Number(a.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    // A real user's right password from the blocked address: 429, and from another address: a session.
    const { email, password } = fx.B.user;
    const blocked = await signIn(email, password, from);
    expect(blocked.status, blocked.text).toBe(429);
    expect(blocked.headers["retry-after"]).toBe("1");
    const elsewhere = await signIn(email, password, "127.0.0.5");
    expect(elsewhere.status, elsewhere.text).toBe(200);
    expect((elsewhere.json.result?.data as { token?: string } | undefined)?.token).toMatch(/^hfs_/);
  });

  it("each attempt is audited with the client address", async () => {
    const rows = await w.db.$client<{ action: string; n: number }[]>`
      select action, count(*)::int as n from audit_events
      where action in ('sign_in_failed', 'sign_in_throttled')
        and client_ip in ('127.0.0.2', '127.0.0.3', '127.0.0.4')
      group by action order by action`;
    expect(rows).toEqual([
      { action: "sign_in_failed", n: 25 },
      { action: "sign_in_throttled", n: 11 },
    ]);
  });
});

/** One route per vendor family: a read where the family has one. */
const VENDOR_READS = (["socotra", "mews", "ormb", "crm"] as const).map((vendor) => {
  const routes = Object.values(ROUTES).filter((r) => r.vendor === vendor);
  return { vendor, entry: (routes.find((r) => r.kind === "query") ?? routes[0]) as RouteEntry };
});

describe("a rolled token's overlap ends on the injected clock", () => {
  const OVERLAP_MS = 60 * 60 * 1000;
  const overlapUntil = new Date(new Date(FIXTURE_NOW).getTime() + OVERLAP_MS).toISOString();
  const secondBefore = new Date(new Date(overlapUntil).getTime() - 1000).toISOString();

  /** auth.me and one route of each vendor family with this secret, on this server: the statuses. */
  async function statuses(on: RunningServer, secret: string) {
    const me = await trpc(on.port, "query", "auth.me", secret);
    const out: Record<string, number> = { trpc: me.status };
    const codes: Record<string, unknown> = { trpc: trpcCode(me) };
    for (const { vendor, entry } of VENDOR_READS) {
      const req = entry.request(fx.A);
      // CRM.COM has only its grace-period extension, a write: each call extends by one more day.
      if (vendor === "crm")
        (req.body as Record<string, unknown>).end_grace_period_after_specific_days = 45 + ++extended;
      const res = await send(on.port, toWire(withToken(vendor, req, secret)));
      out[vendor] = res.status;
      codes[vendor] = vendorCode(vendor, res);
    }
    return { statuses: out, codes };
  }
  let extended = 0;
  const all = (status: number) => ({ trpc: status, socotra: status, mews: status, ormb: status, crm: status });

  it(`rolled at ${FIXTURE_NOW} with overlapUntil ${overlapUntil}: both work until then, only the new one from then on`, async () => {
    const made = await trpc(server.port, "mutation", "tokens.create", fx.A.token, {
      name: "rolled with an overlap",
      permissions: ["admin"],
    });
    expect(made.status, made.text).toBe(200);
    const { secret: oldSecret, locator } = (made.json.result?.data ?? {}) as { secret: string; locator: string };
    const rolled = await trpc(server.port, "mutation", "tokens.roll", fx.A.token, { locator, overlapUntil });
    expect(rolled.status, rolled.text).toBe(200);
    const data = (rolled.json.result?.data ?? {}) as { secret: string; previous: { expiresAt: string } };
    const newSecret = data.secret;
    expect(new Date(data.previous.expiresAt).toISOString()).toBe(overlapUntil);
    expect(newSecret).not.toBe(oldSecret);

    // At the roll: both secrets, everywhere.
    expect((await statuses(server, oldSecret)).statuses).toEqual(all(200));
    expect((await statuses(server, newSecret)).statuses).toEqual(all(200));

    // Two more processes on the same database, their clocks a second before the overlap's end and at it.
    const started = performance.now();
    const [before, atEnd] = await Promise.all([
      startServer({ databaseUrl: w.url, now: secondBefore }),
      startServer({ databaseUrl: w.url, now: overlapUntil }),
    ]);
    stopLater.push(before, atEnd);
    console.log(
      `[attacks] two server processes at ${secondBefore} and ${overlapUntil} started in ${Math.round(performance.now() - started)} ms`,
    );

    expect((await statuses(before, oldSecret)).statuses).toEqual(all(200));
    expect((await statuses(before, newSecret)).statuses).toEqual(all(200));

    const old = await statuses(atEnd, oldSecret);
    expect(old.statuses).toEqual(all(401));
    expect(old.codes).toEqual({
      trpc: "UNAUTHORIZED",
      socotra: "UNAUTHORIZED",
      mews: "UNAUTHORIZED",
      ormb: "Failure",
      crm: "UNAUTHORIZED",
    });
    expect((await statuses(atEnd, newSecret)).statuses).toEqual(all(200));
    // The process at the roll's instant still takes the old secret: its clock has not moved.
    expect((await statuses(server, oldSecret)).statuses).toEqual(all(200));
    await Promise.all([before.stop(), atEnd.stop()]);
  });
});

describe("a read-only token on every mutation", () => {
  const READ_ONLY: Permission[] = ["holds:read", "holds:list", "automations:read", "subscriptions:read"];
  let readOnly = "";

  beforeAll(async () => {
    readOnly = (
      await createApiToken(w.db, { name: "read only", grants: [{ tenantId: fx.A.tenantId, permissions: READ_ONLY }] })
    ).secret;
    // Used once at the server's frozen instant: its last use is then current and no request below writes it.
    await authenticate(w.db, readOnly, w.clock.now());
  });

  it("403 FORBIDDEN on every tRPC mutation and vendor write route; nothing changes", async () => {
    const before = await allTableChecksums(w.db);
    const mutations = listProcedures().filter((p) => p.type === "mutation");
    const forbidden: string[] = [];
    const skipped: string[] = [];
    const ownSessions: string[] = [];
    for (const proc of mutations) {
      const entry = PROCEDURES[proc.name];
      if (!entry) throw new Error(`${proc.name} has no catalog entry`);
      // auth.signIn and auth.setPassword take no credential: any caller may use them, and the token plays no part.
      if (entry.access.type === "public") {
        skipped.push(proc.name);
        continue;
      }
      const res = await trpc(server.port, "mutation", proc.name, readOnly, entry.input?.(fx.A));
      if (entry.access.type === "authenticated") {
        // auth.signOut and auth.signOutEverywhere end the caller's own sessions: a token has none, so they end nothing.
        expect(res.status, `${proc.name}: ${res.text}`).toBe(200);
        ownSessions.push(proc.name);
        continue;
      }
      expect(res.status, `${proc.name}: ${res.text}`).toBe(403);
      expect(trpcCode(res), proc.name).toBe("FORBIDDEN");
      forbidden.push(proc.name);
    }
    const writes = Object.entries(ROUTES).filter(([, r]) => r.kind === "mutation");
    const reads = Object.entries(ROUTES).filter(([, r]) => r.kind === "query" && r.method !== "get");
    for (const [id, entry] of writes) {
      const res = await compat(server.port, entry.vendor, entry, readOnly);
      expect(res.status, `${id}: ${res.text}`).toBe(403);
      expect(vendorCode(entry.vendor, res), `${id}: ${res.text}`).toBe(
        entry.vendor === "ormb" ? "Failure" : "FORBIDDEN",
      );
      expect(res.text, id).toContain(entry.permission);
    }
    // The vendors' reads sent as POST (ORMB read, Mews getAll) are reads: the token may use them.
    for (const [id, entry] of reads) {
      const res = await compat(server.port, entry.vendor, entry, readOnly);
      expect(res.status, `${id}: ${res.text}`).toBe(200);
    }
    const changed = changedTables(before, await allTableChecksums(w.db));
    console.log(
      `[attacks] read-only token: ${forbidden.length} tRPC mutations 403, ${writes.length} vendor write routes 403 ` +
        `(${writes.map(([id]) => id).join(", ")}); POST reads 200: ${reads.map(([id]) => id).join(", ")}; ` +
        `own-session 200: ${ownSessions.join(", ")}; skipped (public): ${skipped.join(", ")}; tables changed: ${changed.length}`,
    );
    expect(skipped.sort()).toEqual(["auth.setPassword", "auth.signIn"]);
    expect(ownSessions.sort()).toEqual(["auth.signOut", "auth.signOutEverywhere"]);
    expect(forbidden.length).toBe(mutations.length - 4);
    expect(forbidden).toContain("auth.changePassword");
    expect(writes.length).toBeGreaterThan(10);
    expect(changed).toEqual([]);
  });
});
