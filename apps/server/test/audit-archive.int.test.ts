/**
 * `holdfast audit-archive` on a real database: audit events in two past
 * months and the current one; archiving the oldest month writes a gzipped
 * JSON Lines file whose rows are the partition's, detaches the partition (the
 * audit history through the real router no longer shows them), leaves the
 * other months alone, and is itself audited. A bad or too late --before is
 * refused with a clear message and changes nothing.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { createCaller } from "@holdfast/api";
import { ensureAuditPartitions } from "@holdfast/services";
import { runCli } from "@holdfast/testing/cli-process";
import { createTestWorld, type TestWorld } from "@holdfast/testing/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliIo, runCommand } from "../src/cli-commands.ts";

const NOW = "2031-03-10T12:00:00Z";

let w: TestWorld;
let out = "";
let tenantId = "";
let api: ReturnType<typeof createCaller>;

beforeAll(async () => {
  w = await createTestWorld({ now: NOW, max: 6 });
  out = await mkdtemp(path.join(tmpdir(), "holdfast-archive-"));
  tenantId = await w.tenant("Archive Insurance");
  // Partitions for the months the events fall in, as the worker makes them when each month comes.
  await ensureAuditPartitions(w.db, new Date("2031-01-01T00:00:00Z"), 2);
  for (const at of ["2031-01-15T10:00:00Z", "2031-02-20T10:00:00Z", "2031-03-05T10:00:00Z"]) {
    w.clock.set(at);
    for (const n of [1, 2, 3]) {
      await w.account(tenantId, `Account ${at.slice(0, 7)} ${n}`);
    }
  }
  w.clock.set(NOW);
  const principal = await w.principal(await w.token(tenantId));
  api = createCaller({ db: w.db, clock: w.clock, principal, requestId: "test" });
});
afterAll(async () => {
  await w?.close();
  if (out) await rm(out, { recursive: true, force: true });
});

/** The tenant's audit log of accounts, through the real router. */
async function history() {
  return (await api.audit.list({ limit: 100, entityType: "account" })).items;
}

async function attached(): Promise<string[]> {
  const rows = await w.db.$client.unsafe(
    "select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'audit_events'::regclass",
  );
  return rows.map((r) => String(r.name));
}

function io() {
  const o: string[] = [];
  const e: string[] = [];
  const cliIo: CliIo = {
    out: (t) => o.push(t),
    err: (t) => e.push(t),
    readSecret: async () => "",
  };
  return { cliIo, out: () => o.join("\n"), err: () => e.join("\n") };
}

/** The CLI as its own process on the test database, with the clock frozen at NOW. */
const cli = (args: string[]) => runCli(args, { env: { DATABASE_URL: w.url, HOLDFAST_NOW: NOW } });

describe("holdfast audit-archive", () => {
  it("refuses a bad --before, and the current month or later, changing nothing", async () => {
    const before = await attached();
    for (const [arg, message] of [
      ["2031-3", /--before: give the first month to keep as YYYY-MM, got "2031-3"/],
      ["2031-13", /YYYY-MM/],
      ["2031-04", /2031-04 is after the current month 2031-03/],
    ] as const) {
      const t = io();
      expect(await runCommand(["audit-archive", "--before", arg, "--out", out], { ...w, io: t.cliIo })).toBe(1);
      expect(t.err()).toMatch(message);
    }
    const missing = io();
    expect(await runCommand(["audit-archive", "--out", out], { ...w, io: missing.cliIo })).toBe(1);
    expect(missing.err()).toMatch(/--before: give the first month/);
    expect(await attached()).toEqual(before);
    expect(await readdir(out)).toEqual([]);
  });

  it("archives the oldest month to gzipped JSON Lines and detaches it; the other months stay", async () => {
    const all = await history();
    const january = all.filter((e) => e.at.startsWith("2031-01"));
    expect(january).toHaveLength(3);
    expect(all.filter((e) => e.at.startsWith("2031-03"))).toHaveLength(3);

    const run = await cli(["audit-archive", "--before", "2031-02", "--out", out]);
    expect(run.code, run.stderr).toBe(0);
    // The empty months the migration made (from the real date) are archived too; January holds the events.
    const results = JSON.parse(run.stdout) as { month: string; file: string; rows: number; detachedTable: string }[];
    expect(results.every((r) => r.month < "2031-02")).toBe(true);
    expect(results.filter((r) => r.rows > 0).map((r) => r.month)).toEqual(["2031-01"]);
    const result = results.find((r) => r.month === "2031-01");
    expect(result).toMatchObject({ month: "2031-01", rows: 3, detachedTable: "audit_events_2031_01" });
    expect(run.stderr).toContain("DROP TABLE audit_events_2031_01;");
    expect((await readdir(out)).sort()).toEqual(results.map((r) => `audit-${r.month}.jsonl.gz`).sort());

    const lines = gunzipSync(await readFile(path.join(out, "audit-2031-01.jsonl.gz")))
      .toString("utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.id)).toEqual(january.map((e) => e.id).sort());
    for (const line of lines) {
      const e = january.find((x) => x.id === line.id);
      expect(line).toMatchObject({
        tenant_id: tenantId,
        entity_type: e?.entityType,
        entity_id: e?.entityId,
        action: e?.action,
        actor_id: e?.actorId,
        after: e?.after,
      });
      expect(new Date(String(line.at)).toISOString()).toBe(e?.at);
    }

    expect((await attached()).filter((t) => t < "audit_events_2031_02")).toEqual([]);
    expect(await attached()).toEqual(expect.arrayContaining(["audit_events_2031_02", "audit_events_2031_03"]));
    const [detached] = await w.db.$client.unsafe("select count(*)::int as n from audit_events_2031_01");
    expect(detached?.n).toBe(3);

    const after = await history();
    expect(after.filter((e) => e.at.startsWith("2031-01"))).toEqual([]);
    expect(after.filter((e) => e.at.startsWith("2031-02"))).toHaveLength(3);
    expect(after.filter((e) => e.at.startsWith("2031-03"))).toEqual(all.filter((e) => e.at.startsWith("2031-03")));

    const [audit] = await w.db.$client.unsafe(
      "select * from audit_events where entity_type = 'audit_partition' and entity_id = '2031-01'",
    );
    expect(audit).toMatchObject({ action: "archive", actor_type: "system", actor_id: "cli", tenant_id: null });
    expect(audit?.after).toMatchObject({ file: "audit-2031-01.jsonl.gz", rows: 3, dropped: false });
  });

  it("--drop drops the archived partition; nothing left before the month is a no-op", async () => {
    const t = io();
    expect(
      await runCommand(["audit-archive", "--before", "2031-03", "--out", out, "--drop"], { ...w, io: t.cliIo }),
    ).toBe(0);
    expect(JSON.parse(t.out())).toEqual([expect.objectContaining({ month: "2031-02", rows: 3, detachedTable: null })]);
    expect(t.err()).not.toContain("DROP TABLE");
    const [exists] = await w.db.$client.unsafe("select to_regclass('audit_events_2031_02') as t");
    expect(exists?.t).toBeNull();
    expect((await history()).map((e) => e.at.slice(0, 7))).toEqual(["2031-03", "2031-03", "2031-03"]);

    const again = io();
    expect(await runCommand(["audit-archive", "--before", "2031-03", "--out", out], { ...w, io: again.cliIo })).toBe(0);
    expect(again.err()).toMatch(/nothing to archive/);
  });

  it("audit-partitions creates the months ahead the worker would, once; a bad --months is a usage error", async () => {
    const t = io();
    expect(await runCommand(["audit-partitions", "--months", "2"], { ...w, io: t.cliIo })).toBe(0);
    expect(JSON.parse(t.out())).toEqual({ created: ["2031-04", "2031-05"] });
    const again = io();
    expect(await runCommand(["audit-partitions", "--months", "2"], { ...w, io: again.cliIo })).toBe(0);
    expect(JSON.parse(again.out())).toEqual({ created: [] });
    const bad = io();
    expect(await runCommand(["audit-partitions", "--months", "30"], { ...w, io: bad.cliIo })).toBe(2);
    expect(bad.err()).toMatch(/--months must be a whole number from 0 to 24/);
  });
});
