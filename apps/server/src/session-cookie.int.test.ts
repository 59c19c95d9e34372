/**
 * The dashboard's session cookie over real HTTP: the real server on a real
 * database, requests made with fetch as a browser would send them.
 */
import type http from "node:http";
import type { AddressInfo } from "node:net";
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { ALL_PERMISSIONS, CSRF_HEADER, SESSION_COOKIE } from "@holdfast/domain";
import { createApiToken, fixedClock, provisionTenant } from "@holdfast/services";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpServer } from "./http.ts";

const EMAIL = "ops@cookie.test";
const PASSWORD = "correct horse battery staple";
const clock = fixedClock("2030-06-10T12:00:00Z");

let testDb: TestDatabase;
let tenantId = "";
const servers: http.Server[] = [];

async function serve(publicUrl?: string): Promise<string> {
  const server = createHttpServer({ db: testDb.db, clock, logger: pino({ level: "silent" }), publicUrl });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let base = "";
beforeAll(async () => {
  testDb = await createTestDatabase({ max: 5 });
  ({ tenantId } = await provisionTenant(testDb.db, { name: "Cookie tenant", email: EMAIL, password: PASSWORD }));
  base = await serve();
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await testDb?.close();
});

const csrf = { [CSRF_HEADER]: "1" };

function mutate(url: string, path: string, input: unknown, headers: Record<string, string> = {}) {
  return fetch(`${url}/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(input),
  });
}

function query(url: string, path: string, input: unknown, headers: Record<string, string> = {}) {
  return fetch(`${url}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers });
}

/** Signs in for a cookie; answers the Set-Cookie line and the cookie to send back. */
async function cookieSignIn(url = base) {
  const res = await mutate(url, "auth.signIn", { email: EMAIL, password: PASSWORD, cookie: true }, csrf);
  expect(res.status).toBe(200);
  const setCookie = res.headers.getSetCookie();
  expect(setCookie).toHaveLength(1);
  const line = setCookie[0] ?? "";
  return { res, line, cookie: line.split(";")[0] ?? "" };
}

const attributes = (line: string) =>
  line
    .split(";")
    .slice(1)
    .map((a) => a.trim());

describe("the session cookie", () => {
  it("is set by a cookie sign-in: HttpOnly, SameSite=Strict, Path=/, for the session's life, and not Secure over http", async () => {
    const { res, line, cookie } = await cookieSignIn();
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=hfs_`));
    expect(attributes(line).sort()).toEqual(["HttpOnly", "Max-Age=43200", "Path=/", "SameSite=Strict"].sort());
    // The token is only in the cookie, never in what scripts can read.
    const body = (await res.json()) as { result: { data: Record<string, unknown> } };
    expect(body.result.data).toEqual({ expiresAt: "2030-06-11T00:00:00.000Z" });
    expect(JSON.stringify(body)).not.toContain("hfs_");
  });

  it("replaces a dead cookie at sign-in with one Set-Cookie, the new session's", async () => {
    const res = await mutate(
      base,
      "auth.signIn",
      { email: EMAIL, password: PASSWORD, cookie: true },
      {
        ...csrf,
        cookie: `${SESSION_COOKIE}=hfs_a_session_that_ended_long_ago`,
      },
    );
    expect(res.status).toBe(200);
    const lines = res.headers.getSetCookie();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${SESSION_COOKIE}=hfs_.*Max-Age=43200`));
  });

  it("is Secure when the public URL is https", async () => {
    const secure = await serve("https://holdfast.example.test");
    const { line } = await cookieSignIn(secure);
    expect(attributes(line)).toEqual(expect.arrayContaining(["HttpOnly", "SameSite=Strict", "Path=/", "Secure"]));
  });

  it("is not set by a sign-in that does not ask for it, which answers the bearer token", async () => {
    const res = await mutate(base, "auth.signIn", { email: EMAIL, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
    const body = (await res.json()) as { result: { data: { token: string } } };
    expect(body.result.data.token).toMatch(/^hfs_/);
  });

  it("is refused to a cookie sign-in without the anti-CSRF header, which opens no session", async () => {
    const res = await mutate(base, "auth.signIn", { email: EMAIL, password: PASSWORD, cookie: true });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
    const body = (await res.json()) as { error: { message: string; data: { code: string } } };
    expect(body.error.data.code).toBe("FORBIDDEN");
    expect(body.error.message).toContain(CSRF_HEADER);
  });

  it("authenticates a query without the anti-CSRF header", async () => {
    const { cookie } = await cookieSignIn();
    const res = await query(base, "auth.me", undefined, { cookie });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { data: { kind: string; actor: { name: string } } } };
    expect(body.result.data).toMatchObject({ kind: "session", actor: { name: EMAIL } });
  });

  it("authenticates a mutation only with the anti-CSRF header: without it, 403 and nothing changes", async () => {
    const { cookie } = await cookieSignIn();
    const update = { tenantLocator: tenantId, graceDays: 9 };
    const refused = await mutate(base, "settings.update", update, { cookie });
    expect(refused.status).toBe(403);
    const error = (await refused.json()) as { error: { message: string; data: { code: string } } };
    expect(error.error.data.code).toBe("FORBIDDEN");
    expect(error.error.message).toBe(
      `a call authenticated by the session cookie that changes state must carry the ${CSRF_HEADER} header`,
    );
    const before = (await (await query(base, "settings.get", { tenantLocator: tenantId }, { cookie })).json()) as {
      result: { data: { graceDays: number } };
    };
    expect(before.result.data.graceDays).not.toBe(9);

    const accepted = await mutate(base, "settings.update", update, { cookie, ...csrf });
    expect(accepted.status).toBe(200);
    const after = (await (await query(base, "settings.get", { tenantLocator: tenantId }, { cookie })).json()) as {
      result: { data: { graceDays: number } };
    };
    expect(after.result.data.graceDays).toBe(9);
  });

  it("does not stand in for a bearer token: a bearer mutation needs no anti-CSRF header, and wins over a cookie", async () => {
    const signedIn = await mutate(base, "auth.signIn", { email: EMAIL, password: PASSWORD });
    const { token } = ((await signedIn.json()) as { result: { data: { token: string } } }).result.data;
    const res = await mutate(
      base,
      "settings.update",
      { tenantLocator: tenantId, graceDays: 8 },
      {
        authorization: `Bearer ${token}`,
        cookie: `${SESSION_COOKIE}=hfs_not_a_session_token`,
      },
    );
    expect(res.status).toBe(200);
  });

  it("is cleared by sign-out (Max-Age=0), after which it no longer authenticates", async () => {
    const { cookie } = await cookieSignIn();
    const out = await mutate(base, "auth.signOut", undefined, { cookie, ...csrf });
    expect(out.status).toBe(200);
    const [line = ""] = out.headers.getSetCookie();
    expect(line.split(";")[0]).toBe(`${SESSION_COOKIE}=`);
    expect(attributes(line)).toEqual(expect.arrayContaining(["Max-Age=0", "Path=/", "HttpOnly", "SameSite=Strict"]));

    const after = await query(base, "auth.me", undefined, { cookie });
    expect(after.status).toBe(401);
    // The browser is told to drop the dead cookie.
    expect(after.headers.getSetCookie().map((l) => l.split(";")[0])).toEqual([`${SESSION_COOKIE}=`]);
  });

  it("never carries an API token: only a session authenticates from the cookie", async () => {
    const token = await createApiToken(testDb.db, {
      name: "not for cookies",
      grants: [{ tenantId, permissions: ALL_PERMISSIONS }],
    });
    expect((await query(base, "auth.me", undefined, { authorization: `Bearer ${token.secret}` })).status).toBe(200);
    const res = await query(base, "auth.me", undefined, { cookie: `${SESSION_COOKIE}=${token.secret}` });
    expect(res.status).toBe(401);
  });
});
