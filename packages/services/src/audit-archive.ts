import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import type { Transaction } from "@holdfast/db";
import { AppError } from "@holdfast/domain";
import { sql } from "drizzle-orm";
import { recordAudit } from "./audit.ts";
import { listAuditPartitions, type Month, monthOf, partitionName } from "./audit-partitions.ts";
import type { ActingContext } from "./context.ts";

/** Rows fetched from the server-side cursor at a time: memory stays bounded whatever a month holds. */
const FETCH_ROWS = 2000;

export interface ArchivedMonth {
  month: Month;
  /** The gzipped JSON Lines file: one audit event per line, its columns as stored (row_to_json, UTC instants). */
  file: string;
  rows: number;
  sha256: string;
  /** The detached table left in the database (null when it was dropped). */
  detachedTable: string | null;
}

/** `YYYY-MM`, checked; `--before` is the first month kept, and may not be later than the current month. */
export function parseArchiveMonth(text: string | undefined, now: Date): Month {
  if (!text || !/^\d{4}-(0[1-9]|1[0-2])$/.test(text)) {
    throw AppError.badRequest([
      { path: "--before", rule: "month", message: `give the first month to keep as YYYY-MM, got "${text ?? ""}"` },
    ]);
  }
  const current = monthOf(now);
  if (text > current) {
    throw AppError.badRequest([
      {
        path: "--before",
        rule: "past_months_only",
        message: `${text} is after the current month ${current}: the current month and later are never archived`,
      },
    ]);
  }
  return text;
}

/**
 * Archives every monthly audit partition entirely before `before`: streams
 * its rows (a server-side cursor, oldest id first) to
 * `audit-YYYY-MM.jsonl.gz` in `outDir`, checks the file's line count against
 * the partition's, then detaches the partition (and drops it with `drop`).
 * One transaction per month, which also records the archive as an audit
 * event; the partition is locked against writes (SHARE) while it is read. A
 * month whose count does not match is rolled back and its file removed.
 */
export async function archiveAuditMonths(
  ctx: ActingContext,
  input: { before: string; outDir: string; drop?: boolean },
): Promise<ArchivedMonth[]> {
  const before = parseArchiveMonth(input.before, ctx.clock.now());
  const months = (await listAuditPartitions(ctx.db)).filter((m) => m < before);
  await mkdir(input.outDir, { recursive: true });
  const done: ArchivedMonth[] = [];
  for (const month of months) {
    const file = path.join(input.outDir, `audit-${month}.jsonl.gz`);
    const partial = `${file}.partial`;
    try {
      done.push(
        await ctx.db.transaction((tx) => archiveMonth(tx, ctx, { month, file, partial, drop: input.drop ?? false })),
      );
    } catch (e) {
      await rm(partial, { force: true });
      throw e;
    }
  }
  return done;
}

async function archiveMonth(
  tx: Transaction,
  ctx: ActingContext,
  { month, file, partial, drop }: { month: Month; file: string; partial: string; drop: boolean },
): Promise<ArchivedMonth> {
  const table = sql.identifier(partitionName(month));
  await tx.execute(sql`set local timezone = 'UTC'`);
  await tx.execute(sql`lock table ${table} in share mode`);
  const [counted] = (await tx.execute(sql`select count(*)::int as n from ${table}`)) as unknown as { n: number }[];
  const expected = counted?.n ?? 0;
  await tx.execute(
    sql`declare audit_archive no scroll cursor for select row_to_json(e)::text as line from ${table} e order by id`,
  );
  async function* lines() {
    for (;;) {
      const batch = (await tx.execute(sql`fetch ${sql.raw(String(FETCH_ROWS))} from audit_archive`)) as unknown as {
        line: string;
      }[];
      if (batch.length === 0) return;
      yield `${batch.map((r) => r.line).join("\n")}\n`;
    }
  }
  let written = 0;
  const hash = createHash("sha256");
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      for (const byte of chunk) if (byte === 0x0a) written++;
      done(null, chunk);
    },
  });
  const digest = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(Readable.from(lines()), count, createGzip(), digest, createWriteStream(partial));
  await tx.execute(sql`close audit_archive`);
  if (written !== expected) {
    throw new Error(
      `archiving ${month}: wrote ${written} lines but the partition holds ${expected} rows; nothing detached`,
    );
  }
  await tx.execute(sql`alter table audit_events detach partition ${table}`);
  if (drop) await tx.execute(sql`drop table ${table}`);
  const sha256 = hash.digest("hex");
  await recordAudit(tx, ctx, {
    tenantId: null,
    entityType: "audit_partition",
    entityId: month,
    action: "archive",
    before: null,
    after: { file: path.basename(file), rows: written, sha256, dropped: drop },
  });
  await rename(partial, file);
  return { month, file, rows: written, sha256, detachedTable: drop ? null : partitionName(month) };
}
