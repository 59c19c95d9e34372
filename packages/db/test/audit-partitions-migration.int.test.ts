/**
 * Migration 0009 on a database that already holds audit events: migrated to
 * 0008, filled, then migrated to the end. Every row is kept, each month with
 * rows gets its own partition (through three months after the current one),
 * rows beyond that go to the DEFAULT partition, and the partitioned table
 * has the primary key (id, at) and the same indexes as before.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { MIGRATIONS_DIR, migrateDatabase } from "../src/migrate.ts";
import { withDatabase } from "../src/testing/global-setup.ts";

const DB = `hf_mig_${process.pid}`;
let admin: postgres.Sql;
let sql: postgres.Sql;
let url = "";
let dir = "";

beforeAll(async () => {
  const adminUrl = inject("holdfastAdminUrl");
  admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`drop database if exists ${DB} with (force)`);
  await admin.unsafe(`create database ${DB}`);
  url = withDatabase(adminUrl, DB);
  sql = postgres(url, { max: 1, onnotice: () => undefined });
  // The migrations up to 0008, as a database deployed before 0009 has them.
  dir = await mkdtemp(path.join(os.tmpdir(), "holdfast-mig-"));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  const journalFile = path.join(dir, "meta", "_journal.json");
  const journal = JSON.parse(await readFile(journalFile, "utf8")) as { entries: { tag: string }[] };
  journal.entries = journal.entries.filter((e) => e.tag < "0009");
  await writeFile(journalFile, JSON.stringify(journal));
  await migrate(drizzle(sql), { migrationsFolder: dir });
});
afterAll(async () => {
  await sql?.end({ timeout: 5 });
  await admin?.unsafe(`drop database if exists ${DB} with (force)`);
  await admin?.end({ timeout: 5 });
  if (dir) await rm(dir, { recursive: true, force: true });
});

const CHECKSUM = `select count(*)::int as n, md5(string_agg(t::text, '|' order by id)) as sum from
  (select id, tenant_id, entity_type, entity_id, action, actor_type, actor_id, actor_name, at, request_id, before, after,
          reason, credential_id, client_ip, user_agent from audit_events) t`;

describe("migration 0009 (audit_events partitioned by month)", () => {
  it("converts an existing audit_events table, keeping every row", async () => {
    await sql.unsafe(`
      insert into audit_events (id, tenant_id, entity_type, entity_id, action, actor_type, actor_id, actor_name, at,
                                request_id, before, after, reason)
      select lpad(g::text, 26, '0'), gen_random_uuid(), 'hold', 'h' || (g % 7), 'update', 'user', 'u', 'User',
             timestamptz '2024-05-31 23:59:59.999+00' + (g * interval '13 days'), 'r' || g,
             jsonb_build_object('g', g), null, case when g % 5 = 0 then 'why' end
        from generate_series(0, 60) g`);
    await sql.unsafe(`
      insert into audit_events (id, entity_type, entity_id, action, actor_type, actor_id, actor_name, at)
      values ('FAR', 'user', 'x', 'sign_in', 'user', 'u', 'User', now() + interval '2 years')`);
    const [before] = await sql.unsafe(CHECKSUM);

    await migrateDatabase(url);

    const [after] = await sql.unsafe(CHECKSUM);
    expect(after).toEqual(before);
    const [kind] = await sql`select relkind from pg_class where relname = 'audit_events'`;
    expect(kind?.relkind).toBe("p");
    const parts = await sql<{ name: string; rows: number }[]>`
      select c.relname as name, (xpath('/row/n/text()',
             query_to_xml(format('select count(*) as n from %I', c.relname), false, true, '')))[1]::text::int as rows
        from pg_inherits i join pg_class c on c.oid = i.inhrelid
       where i.inhparent = 'audit_events'::regclass order by 1`;
    const names = parts.map((p) => p.name);
    expect(names[0]).toBe("audit_events_2024_05");
    const [span] = await sql<{ months: number; last: string }[]>`
      select (extract(year from age(date_trunc('month', now() at time zone 'UTC') + interval '3 months', date '2024-05-01')) * 12
            + extract(month from age(date_trunc('month', now() at time zone 'UTC') + interval '3 months', date '2024-05-01')))::int + 1 as months,
             'audit_events_' || to_char(now() at time zone 'UTC' + interval '3 months', 'YYYY_MM') as last`;
    expect(names).toContain(span?.last);
    expect(names.filter((n) => n !== "audit_events_default")).toHaveLength(span?.months ?? -1);
    expect(parts.find((p) => p.name === "audit_events_default")?.rows).toBe(1);
    expect(parts.find((p) => p.name === "audit_events_2024_05")?.rows).toBe(1);
    expect(parts.find((p) => p.name === "audit_events_2024_06")?.rows).toBe(2);

    const indexes = await sql<{ name: string; def: string }[]>`
      select indexname as name, indexdef as def from pg_indexes where tablename = 'audit_events' order by 1`;
    expect(indexes.map((i) => i.name)).toEqual([
      "audit_entity_idx",
      "audit_events_id_at_pk",
      "audit_request_idx",
      "audit_security_idx",
      "audit_tenant_idx",
    ]);
    expect(indexes.find((i) => i.name === "audit_events_id_at_pk")?.def).toContain("(id, at)");
    const [old] = await sql`select to_regclass('audit_events_unpartitioned') as t`;
    expect(old?.t).toBeNull();
  });
});
