/**
 * Webhook endpoints through the real router against the real database: the
 * `whsec_…` secret is shown once and stored sealed; list, update (version
 * checked, enable/disable), delete; rotation signs with both secrets for
 * 24 h on the injected clock; admin only; bad input names the field; another
 * tenant's endpoint is NOT_FOUND; every change is audited without a secret;
 * without HOLDFAST_SECRET_KEY create and rotate say which variable is missing.
 */
import { createCaller, createContext } from "@holdfast/api";
import { schema } from "@holdfast/db";
import { WEBHOOK_SECRET_OVERLAP_MS } from "@holdfast/domain";
import { endpointSigningSecrets } from "@holdfast/services";
import { appErrorOf, issuesOfTrpcError, rulesOf, tableChecksum, testSecrets } from "@holdfast/testing";
import { and, asc, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { type Caller, expectTrpcError, NOW, setupWorld } from "./harness.ts";

const w = setupWorld({ tenantName: "Webhooks tenant" });
const UNKNOWN = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
const URL = "https://hooks.example.com/holdfast";

let otherTenant: string;
let otherApi: Caller;
beforeAll(async () => {
  otherTenant = await w.tenant("Other webhooks tenant");
  otherApi = await w.caller(otherTenant);
});

async function endpointRow(locator: string) {
  const [row] = await w.db.select().from(schema.webhookEndpoints).where(eq(schema.webhookEndpoints.id, locator));
  if (!row) throw new Error(`no endpoint ${locator}`);
  return row;
}

async function auditOf(locator: string) {
  return w.db
    .select()
    .from(schema.auditEvents)
    .where(and(eq(schema.auditEvents.entityType, "webhook_endpoint"), eq(schema.auditEvents.entityId, locator)))
    .orderBy(asc(schema.auditEvents.id));
}

/** A caller as the server builds it for this token secret, with these server settings. */
async function withDeps(deps: { secrets?: typeof testSecrets; allowPrivateWebhooks?: boolean }) {
  const made = await w.api.tokens.create({ name: "webhook admin", permissions: ["admin"] });
  return createCaller(
    await createContext(
      { db: w.db, clock: w.clock, ...deps },
      { authorization: `Bearer ${made.secret}`, requestId: "t" },
    ),
  );
}

describe("create", () => {
  it("shows the whsec_ secret once; the row keeps it sealed and the listing never shows it", async () => {
    const made = await w.api.webhooks.create({
      url: URL,
      eventTypes: ["hold.created", "hold.released", "hold.created"],
      description: "billing",
    });
    expect(made.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(made).toMatchObject({
      url: URL,
      description: "billing",
      eventTypes: ["hold.created", "hold.released"],
      status: "enabled",
      secretPrefix: made.secret.slice(0, 12),
      previousSecretExpiresAt: null,
      failingSince: null,
      disabledAt: null,
      createdAt: NOW.replace("Z", ".000Z"),
      version: 1,
    });
    const row = await endpointRow(made.locator);
    expect(JSON.stringify(row)).not.toContain(made.secret);
    expect(JSON.stringify(row)).not.toContain(made.secret.slice(6));
    expect(testSecrets.open(row.secretCiphertext)).toBe(made.secret);
    expect(endpointSigningSecrets(testSecrets, row, w.clock.now())).toEqual([made.secret]);

    const listed = await w.api.webhooks.list();
    expect(JSON.stringify(listed)).not.toContain(made.secret.slice(6));
    const item = listed.items.find((e) => e.locator === made.locator);
    expect(item && Object.keys(item)).not.toContain("secret");
    expect(item?.secretPrefix).toBe(made.secret.slice(0, 12));
  });

  it("refuses bad input with 400 naming the field and rule", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ url: "ftp://example.com/x", eventTypes: ["hold.created"] }, "url"],
      [{ url: "not a url", eventTypes: ["hold.created"] }, "url"],
      [{ url: URL, eventTypes: [] }, "eventTypes"],
      [{ url: URL, eventTypes: ["hold.exploded"] }, "eventTypes[0]"],
      [{ url: URL, eventTypes: ["hold.created"], description: "x".repeat(501) }, "description"],
    ];
    for (const [input, path] of cases) {
      const err = await expectTrpcError(w.api.webhooks.create(input as never), "BAD_REQUEST");
      expect(issuesOfTrpcError(err).map((i) => i.path)).toContain(path);
    }
  });

  it("refuses literal private and loopback hosts unless private addresses are allowed", async () => {
    const strict = await withDeps({ secrets: testSecrets, allowPrivateWebhooks: false });
    const before = await tableChecksum(w.db, "webhook_endpoints");
    for (const url of [
      "http://127.0.0.1:8080/hook",
      "http://localhost/hook",
      "http://10.1.2.3/hook",
      "http://192.168.0.10/hook",
      "http://169.254.169.254/latest",
      "http://[::1]:9000/hook",
      "http://[fd00::1]/hook",
      "http://[::ffff:127.0.0.1]/hook",
      "https://user:pw@hooks.example.com/x",
    ]) {
      const err = await expectTrpcError(strict.webhooks.create({ url, eventTypes: ["hold.created"] }), "BAD_REQUEST");
      expect(rulesOf(issuesOfTrpcError(err)), url).toEqual([{ path: "url", rule: "webhook_url" }]);
    }
    expect(await tableChecksum(w.db, "webhook_endpoints")).toBe(before);
    const ok = await strict.webhooks.create({ url: "https://93.184.216.34/hook", eventTypes: ["hold.created"] });
    expect(ok.url).toBe("https://93.184.216.34/hook");
    // The test world allows private addresses (HOLDFAST_WEBHOOKS_ALLOW_PRIVATE=1).
    const local = await w.api.webhooks.create({ url: "http://127.0.0.1:8080/hook", eventTypes: ["hold.created"] });
    expect(local.url).toBe("http://127.0.0.1:8080/hook");
  });

  it("without HOLDFAST_SECRET_KEY, create and rotate are PRECONDITION_FAILED naming the variable", async () => {
    const existing = await w.api.webhooks.create({ url: URL, eventTypes: ["hold.created"] });
    const keyless = await withDeps({ allowPrivateWebhooks: true });
    const before = await tableChecksum(w.db, "webhook_endpoints");
    for (const call of [
      keyless.webhooks.create({ url: URL, eventTypes: ["hold.created"] }),
      keyless.webhooks.rotateSecret({ locator: existing.locator }),
    ]) {
      const err = await expectTrpcError(call, "PRECONDITION_FAILED");
      expect(err.message).toContain("HOLDFAST_SECRET_KEY");
      expect(appErrorOf(err)).toMatchObject({ code: "NOT_CONFIGURED", details: { setting: "HOLDFAST_SECRET_KEY" } });
    }
    expect(await tableChecksum(w.db, "webhook_endpoints")).toBe(before);
    // Listing needs no key.
    expect((await keyless.webhooks.list()).items.length).toBeGreaterThan(0);
  });
});

describe("list", () => {
  it("pages newest first by keyset and shows only the tenant's endpoints", async () => {
    const t = await w.tenant("Paging tenant");
    const api = await w.caller(t);
    const made = [];
    for (let i = 0; i < 5; i++)
      made.push(await api.webhooks.create({ url: `${URL}/${i}`, eventTypes: ["hold.created"] }));
    await otherApi.webhooks.create({ url: URL, eventTypes: ["hold.created"] });
    const first = await api.webhooks.list({ limit: 2 });
    expect(first.items.map((e) => e.url)).toEqual([`${URL}/4`, `${URL}/3`]);
    const second = await api.webhooks.list({ limit: 2, cursor: first.nextCursor });
    const third = await api.webhooks.list({ limit: 2, cursor: second.nextCursor });
    expect([...second.items, ...third.items].map((e) => e.url)).toEqual([`${URL}/2`, `${URL}/1`, `${URL}/0`]);
    expect(third.nextCursor).toBeNull();
    const err = await expectTrpcError(api.webhooks.list({ limit: 101 }), "BAD_REQUEST");
    expect(issuesOfTrpcError(err).map((i) => i.path)).toEqual(["limit"]);
  });
});

describe("update", () => {
  it("changes fields at the version read; a stale version is CONFLICT and changes nothing", async () => {
    const made = await w.api.webhooks.create({ url: URL, eventTypes: ["hold.created"] });
    const updated = await w.api.webhooks.update({
      locator: made.locator,
      version: 1,
      url: `${URL}/v2`,
      eventTypes: ["invoice.paid"],
      description: "renamed",
    });
    expect(updated).toMatchObject({
      url: `${URL}/v2`,
      eventTypes: ["invoice.paid"],
      description: "renamed",
      version: 2,
    });
    const before = await tableChecksum(w.db, "webhook_endpoints");
    const err = await expectTrpcError(
      w.api.webhooks.update({ locator: made.locator, version: 1, description: "stale" }),
      "CONFLICT",
    );
    expect(appErrorOf(err)).toMatchObject({ code: "VERSION_CONFLICT", details: { currentVersion: 2 } });
    expect(await tableChecksum(w.db, "webhook_endpoints")).toBe(before);
    const bad = await expectTrpcError(
      w.api.webhooks.update({ locator: made.locator, version: 2, url: "mailto:x@example.com" }),
      "BAD_REQUEST",
    );
    expect(issuesOfTrpcError(bad).map((i) => i.path)).toEqual(["url"]);
  });

  it("disables and enables; enabling clears failing", async () => {
    const made = await w.api.webhooks.create({ url: URL, eventTypes: ["hold.created"] });
    const off = await w.api.webhooks.update({ locator: made.locator, version: 1, enabled: false });
    expect(off).toMatchObject({ status: "disabled", disabledAt: NOW.replace("Z", ".000Z"), version: 2 });
    const on = await w.api.webhooks.update({ locator: made.locator, version: 2, enabled: true });
    expect(on).toMatchObject({ status: "enabled", disabledAt: null, failingSince: null, version: 3 });
    // The workers mark an endpoint failing after its deliveries give up.
    await w.db
      .update(schema.webhookEndpoints)
      .set({ status: "failing", failingSince: new Date(NOW) })
      .where(eq(schema.webhookEndpoints.id, made.locator));
    const cleared = await w.api.webhooks.update({ locator: made.locator, version: 3, enabled: true });
    expect(cleared).toMatchObject({ status: "enabled", failingSince: null, version: 4 });
    expect((await auditOf(made.locator)).map((a) => a.action)).toEqual(["create", "disable", "enable", "enable"]);
  });
});

describe("rotateSecret", () => {
  it("shows a new secret once; the old one signs beside it for 24 h on the clock, then only the new", async () => {
    const made = await w.api.webhooks.create({ url: URL, eventTypes: ["hold.created"] });
    const rotated = await w.api.webhooks.rotateSecret({ locator: made.locator });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(made.secret);
    const until = new Date(new Date(NOW).getTime() + WEBHOOK_SECRET_OVERLAP_MS);
    expect(rotated).toMatchObject({
      secretPrefix: rotated.secret.slice(0, 12),
      previousSecretExpiresAt: until.toISOString(),
      version: 2,
    });
    const row = await endpointRow(made.locator);
    expect(JSON.stringify(row)).not.toContain(rotated.secret.slice(6));
    expect(JSON.stringify(row)).not.toContain(made.secret.slice(6));
    expect(endpointSigningSecrets(testSecrets, row, w.clock.now())).toEqual([rotated.secret, made.secret]);
    w.clock.set(new Date(until.getTime() - 1));
    expect(endpointSigningSecrets(testSecrets, row, w.clock.now())).toEqual([rotated.secret, made.secret]);
    w.clock.set(until);
    expect(endpointSigningSecrets(testSecrets, row, w.clock.now())).toEqual([rotated.secret]);

    // Rotating again: the first secret stops at once, the second overlaps.
    const again = await w.api.webhooks.rotateSecret({ locator: made.locator });
    const row2 = await endpointRow(made.locator);
    expect(endpointSigningSecrets(testSecrets, row2, w.clock.now())).toEqual([again.secret, rotated.secret]);
  });
});

describe("delete", () => {
  it("deletes the endpoint with its deliveries; it is then NOT_FOUND", async () => {
    const made = await w.api.webhooks.create({ url: URL, eventTypes: ["hold.created"] });
    await w.api.webhooks.sendTest({ endpoint: made.locator });
    const gone = await w.api.webhooks.delete({ locator: made.locator });
    expect(gone.locator).toBe(made.locator);
    const left = await w.db
      .select()
      .from(schema.webhookDeliveries)
      .where(eq(schema.webhookDeliveries.endpointId, made.locator));
    expect(left).toEqual([]);
    await expectTrpcError(w.api.webhooks.delete({ locator: made.locator }), "NOT_FOUND");
    await expectTrpcError(w.api.webhooks.deliveries({ endpoint: made.locator }), "NOT_FOUND");
  });
});

describe("access", () => {
  it("a caller without admin is FORBIDDEN on every procedure, and nothing changes", async () => {
    const made = await w.api.webhooks.create({ url: URL, eventTypes: ["hold.created"] });
    const reader = await w.caller([
      { tenantId: w.tenantId, permissions: ["holds:read", "holds:write", "subscriptions:read", "automations:write"] },
    ]);
    const before = await tableChecksum(w.db, "webhook_endpoints");
    const calls = [
      reader.webhooks.create({ url: URL, eventTypes: ["hold.created"] }),
      reader.webhooks.list(),
      reader.webhooks.update({ locator: made.locator, version: 1, enabled: false }),
      reader.webhooks.delete({ locator: made.locator }),
      reader.webhooks.rotateSecret({ locator: made.locator }),
      reader.webhooks.deliveries({ endpoint: made.locator }),
      reader.webhooks.replay({ endpoint: made.locator, eventId: UNKNOWN }),
      reader.webhooks.sendTest({ endpoint: made.locator }),
    ];
    for (const call of calls) await expectTrpcError(call, "FORBIDDEN");
    expect(await tableChecksum(w.db, "webhook_endpoints")).toBe(before);
  });

  it("another tenant's endpoint is NOT_FOUND, like an unknown one, and is left unchanged", async () => {
    const theirs = await otherApi.webhooks.create({ url: URL, eventTypes: ["hold.created"] });
    const before = await tableChecksum(w.db, "webhook_endpoints");
    for (const locator of [theirs.locator, UNKNOWN]) {
      await expectTrpcError(w.api.webhooks.update({ locator, version: 1, enabled: false }), "NOT_FOUND");
      await expectTrpcError(w.api.webhooks.delete({ locator }), "NOT_FOUND");
      await expectTrpcError(w.api.webhooks.rotateSecret({ locator }), "NOT_FOUND");
      await expectTrpcError(w.api.webhooks.deliveries({ endpoint: locator }), "NOT_FOUND");
      await expectTrpcError(w.api.webhooks.sendTest({ endpoint: locator }), "NOT_FOUND");
    }
    expect(await tableChecksum(w.db, "webhook_endpoints")).toBe(before);
    expect((await w.api.webhooks.list({ limit: 100 })).items.map((e) => e.locator)).not.toContain(theirs.locator);
  });
});

describe("audit", () => {
  it("every change is audited on the endpoint, readable as its history by an admin, and never holds a secret", async () => {
    const made = await w.api.webhooks.create({ url: URL, eventTypes: ["hold.created"] });
    const upd = await w.api.webhooks.update({ locator: made.locator, version: 1, description: "d" });
    const rotated = await w.api.webhooks.rotateSecret({ locator: made.locator });
    await w.api.webhooks.sendTest({ endpoint: made.locator });
    await w.api.webhooks.update({ locator: made.locator, version: upd.version + 1, enabled: false });
    await w.api.webhooks.delete({ locator: made.locator });
    const rows = await auditOf(made.locator);
    expect(rows.map((r) => r.action)).toEqual(["create", "update", "rotate_secret", "send_test", "disable", "delete"]);
    const text = JSON.stringify(rows);
    for (const s of [made.secret, rotated.secret]) expect(text).not.toContain(s.slice(6));
    expect(text).not.toContain((await w.db.select().from(schema.webhookEndpoints)).at(0)?.secretCiphertext ?? "none");
    expect(rows[0]?.after).toMatchObject({ url: URL, secretPrefix: made.secret.slice(0, 12) });
    const history = await w.api.audit.history({ entityType: "webhook_endpoint", entityId: made.locator });
    expect(history.map((h) => h.action)).toEqual(rows.map((r) => r.action));
    const holdsReader = await w.caller([{ tenantId: w.tenantId, permissions: ["holds:read"] }]);
    await expectTrpcError(
      holdsReader.audit.history({ entityType: "webhook_endpoint", entityId: made.locator }),
      "FORBIDDEN",
    );
  });
});
