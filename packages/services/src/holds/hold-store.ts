import { type DatabaseOrTransaction, schema } from "@holdfast/db";
import {
  AppError,
  type AmendableHold,
  allowedHoldMoves,
  type BusinessDate,
  type HoldCharacteristic,
  type HoldOutput,
  type HoldTarget,
  HOLD_PROCESSES,
  holdSchedule,
  socotraTargetType,
  targetPeriod,
} from "@holdfast/domain";
import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { pgCode } from "../idempotency.ts";

export type HoldRow = typeof schema.holds.$inferSelect;

const PROCESS_ORDER: readonly string[] = HOLD_PROCESSES;

/** A hold with its targets and characteristics: the aggregate the rules work on. */
export interface HoldRecord extends AmendableHold {
  row: HoldRow;
}

/**
 * One order for every answer: targets by process, characteristics by type.
 * Validation problem paths (`targets[1].endDate`) index this order.
 */
export function toRecord(row: HoldRow, targets: HoldTarget[], characteristics: HoldCharacteristic[]): HoldRecord {
  return {
    row,
    locator: row.id,
    accountLocator: row.accountId,
    state: row.state,
    startDate: row.startDate,
    endDate: row.endDate,
    comments: row.comments,
    targets: [...targets].sort((a, b) => PROCESS_ORDER.indexOf(a.process) - PROCESS_ORDER.indexOf(b.process)),
    characteristics: [...characteristics].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0)),
  };
}

/*
 * Query builders here end in `.prepare(name).execute()`: with postgres.js,
 * Drizzle's plain queries are unnamed statements, which postgres.js sends in
 * two round trips (parse and describe, then bind and execute); a prepared one
 * is described once per connection and then costs one round trip (bench P1).
 */

/**
 * `column = any($1)` with the ids as ONE array parameter. Drizzle's inArray
 * makes a parameter per id, and building those costs more CPU than the query
 * (bench P3: about 40% of a 50-hold page); one array parameter also keeps the
 * statement text the same whatever the count, so it is prepared once.
 */
export function anyOf(column: AnyPgColumn, ids: readonly string[]): SQL {
  return sql`${column} = any(${sql.param([...ids])})`;
}

/** Loads holds with their children in three queries. */
export async function loadHoldRecords(db: DatabaseOrTransaction, rows: HoldRow[]): Promise<HoldRecord[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [targets, chars] = await Promise.all([
    db
      .select()
      .from(schema.holdTargets)
      .where(anyOf(schema.holdTargets.holdId, ids))
      .prepare("hold_targets_of")
      .execute(),
    db
      .select()
      .from(schema.holdCharacteristics)
      .where(anyOf(schema.holdCharacteristics.holdId, ids))
      .prepare("hold_characteristics_of")
      .execute(),
  ]);
  return rows.map((row) =>
    toRecord(
      row,
      targets
        .filter((t) => t.holdId === row.id)
        .map(({ process, startDate, endDate }) => ({ process, startDate, endDate })),
      chars
        .filter((c) => c.holdId === row.id)
        .map(({ type, value, effectiveDate }) => ({ type, value, effectiveDate })),
    ),
  );
}


/** The hold, scoped to its tenant: an unknown and a foreign locator both answer NOT_FOUND. */
export async function getHoldRecord(db: DatabaseOrTransaction, tenantId: string, locator: string): Promise<HoldRecord> {
  const rows = await db
    .select()
    .from(schema.holds)
    .where(and(eq(schema.holds.tenantId, tenantId), eq(schema.holds.id, locator)))
    .prepare("hold_by_locator")
    .execute();
  const [record] = await loadHoldRecords(db, rows);
  if (!record) throw AppError.notFound("hold", locator);
  return record;
}

/** Other validated or active holds of the account: what the overlap rule looks at. */
export async function claimingHoldsOfAccount(db: DatabaseOrTransaction, tenantId: string, accountId: string) {
  const rows = await db
    .select()
    .from(schema.holds)
    .where(
      and(
        eq(schema.holds.tenantId, tenantId),
        eq(schema.holds.accountId, accountId),
        inArray(schema.holds.state, ["validated", "active"]),
      ),
    )
    .prepare("claiming_holds_of_account")
    .execute();
  return loadHoldRecords(db, rows);
}

export async function replaceChildren(
  tx: DatabaseOrTransaction,
  holdId: string,
  targets: HoldTarget[],
  characteristics: HoldCharacteristic[],
) {
  await tx
    .delete(schema.holdTargets)
    .where(eq(schema.holdTargets.holdId, holdId))
    .prepare("delete_hold_targets")
    .execute();
  await tx
    .delete(schema.holdCharacteristics)
    .where(eq(schema.holdCharacteristics.holdId, holdId))
    .prepare("delete_hold_characteristics")
    .execute();
  if (targets.length) {
    await tx
      .insert(schema.holdTargets)
      .values(targets.map((t) => ({ holdId, ...t })))
      .prepare("insert_hold_targets")
      .execute();
  }
  if (characteristics.length) {
    await tx
      .insert(schema.holdCharacteristics)
      .values(characteristics.map((c) => ({ holdId, ...c })))
      .prepare("insert_hold_characteristics")
      .execute();
  }
}

/** The claims a validated or active hold holds; the exclusion constraint forbids overlaps. */
export async function replaceClaims(tx: DatabaseOrTransaction, hold: HoldRecord | null, holdId: string) {
  await tx
    .delete(schema.holdClaims)
    .where(eq(schema.holdClaims.holdId, holdId))
    .prepare("delete_hold_claims")
    .execute();
  if (!hold) return;
  await tx
    .insert(schema.holdClaims)
    .values(
      hold.targets.map((t) => {
        const p = targetPeriod(hold, t);
        return {
          holdId,
          tenantId: hold.row.tenantId,
          accountId: hold.accountLocator,
          process: t.process,
          startDate: p.start,
          endDate: p.end,
        };
      }),
    )
    .prepare("insert_hold_claims")
    .execute();
}

/**
 * Like Promise.all, but when several fail, the error thrown is the first in
 * list order (as if they had been awaited one after another), not the first
 * to arrive: the answer to a bad request does not depend on timing.
 */
export async function allInOrder<T extends readonly unknown[]>(
  promises: { [K in keyof T]: Promise<T[K]> },
): Promise<T> {
  const settled = await Promise.allSettled(promises);
  for (const r of settled) if (r.status === "rejected") throw r.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

export function isExclusionViolation(e: unknown): boolean {
  return pgCode(e) === "23P01";
}

export function toHoldOutput(h: HoldRecord, today: BusinessDate): HoldOutput {
  const r = h.row;
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    locator: r.id,
    tenantLocator: r.tenantId,
    accountLocator: r.accountId,
    holdState: r.state,
    targetType: socotraTargetType(h.targets),
    targets: h.targets,
    startDate: r.startDate,
    endDate: r.endDate,
    comments: r.comments,
    characteristics: h.characteristics,
    sourceSystem: r.sourceSystem,
    externalSourceId: r.externalSourceId,
    externalTransactionId: r.externalTransactionId,
    validationResult: r.validationResult ?? null,
    releaseReason: r.releaseReason,
    schedule: holdSchedule(h, today),
    allowedMoves: allowedHoldMoves(r.state),
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    createdBy: r.createdBy,
    updatedBy: r.updatedBy,
    validatedAt: iso(r.validatedAt),
    validatedBy: r.validatedBy,
    activatedAt: iso(r.activatedAt),
    activatedBy: r.activatedBy,
    releasedAt: iso(r.releasedAt),
    releasedBy: r.releasedBy,
    discardedAt: iso(r.discardedAt),
    discardedBy: r.discardedBy,
  };
}
