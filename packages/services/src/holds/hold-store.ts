import { type DatabaseOrTransaction, schema } from "@holdfast/db";
import {
  type AmendableHold,
  AppError,
  allowedHoldMoves,
  type BusinessDate,
  businessDateAt,
  HOLD_PROCESSES,
  type HoldCharacteristic,
  type HoldOutput,
  type HoldTarget,
  holdSchedule,
  socotraTargetType,
  targetPeriod,
} from "@holdfast/domain";
import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { Clock } from "../clock.ts";
import { pgCode } from "../idempotency.ts";
import { preparedQuery } from "../prepared-query.ts";

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
 * is described once per connection and then costs one round trip.
 */

/**
 * `column = any($1)` with the ids as ONE array parameter. Drizzle's inArray
 * makes a parameter per id, and building those costs more CPU than the query
 * on a page of holds; one array parameter also keeps the
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

/*
 * A hold's targets and characteristics as JSON arrays next to its row: one
 * statement reads holds with their children. The objects have the same
 * keys, in the same order, as loadHoldRecords builds; toRecord sorts them.
 */
// Raw text: Drizzle leaves columns unqualified in a one-table select, ambiguous inside a subquery.
const targetsJson = sql<HoldTarget[]>`${sql.raw(
  `(select coalesce(json_agg(json_build_object('process', t.process, 'startDate', t.start_date, 'endDate', t.end_date)), '[]'::json)
    from hold_targets t where t.hold_id = holds.id)`,
)}`;
const characteristicsJson = sql<HoldCharacteristic[]>`${sql.raw(
  `(select coalesce(json_agg(json_build_object('type', c.type, 'value', c.value, 'effectiveDate', c.effective_date)), '[]'::json)
    from hold_characteristics c where c.hold_id = holds.id)`,
)}`;
const withChildren = { row: schema.holds, targets: targetsJson, characteristics: characteristicsJson };

const holdWithChildren = preparedQuery("hold_with_children_by_locator", (db) =>
  db
    .select(withChildren)
    .from(schema.holds)
    .where(
      and(eq(schema.holds.tenantId, sql.placeholder("tenantId")), eq(schema.holds.id, sql.placeholder("locator"))),
    ),
);

const claimingHoldsWithChildren = preparedQuery("claiming_holds_with_children_of_account", (db) =>
  db
    .select(withChildren)
    .from(schema.holds)
    .where(
      and(
        eq(schema.holds.tenantId, sql.placeholder("tenantId")),
        eq(schema.holds.accountId, sql.placeholder("accountId")),
        inArray(schema.holds.state, ["validated", "active"]),
      ),
    ),
);

/** A row of hold_claims, as a move reads it with its hold. */
export interface ClaimRow {
  tenantId: string;
  accountId: string;
  process: string;
  startDate: string | null;
  endDate: string | null;
}

const claimsJson = sql<ClaimRow[]>`${sql.raw(
  `(select coalesce(json_agg(json_build_object('tenantId', k.tenant_id, 'accountId', k.account_id, 'process', k.process, 'startDate', k.start_date, 'endDate', k.end_date)), '[]'::json)
    from hold_claims k where k.hold_id = holds.id)`,
)}`;

// From the tenant, the hold left-joined: no row means no such tenant, a row without a hold no such hold in it.
const holdForMove = preparedQuery("hold_for_move_by_locator", (db) =>
  db
    .select({ timeZone: schema.tenants.timeZone, ...withChildren, claims: claimsJson })
    .from(schema.tenants)
    .leftJoin(
      schema.holds,
      and(eq(schema.holds.tenantId, schema.tenants.id), eq(schema.holds.id, sql.placeholder("locator"))),
    )
    .where(eq(schema.tenants.id, sql.placeholder("tenantId"))),
);

/**
 * For a move, in one statement (one snapshot): the
 * tenant's today, the hold with its children, and the claims it holds now.
 * Claims change only in a transaction that also bumps the hold's version, so
 * once the move's version-guarded UPDATE has applied, these are still the
 * hold's claims: the move can leave them alone when they are already what it
 * would write (activating a validated hold rewrote identical claims in a
 * savepoint, four statements). Errors as tenantToday then getHoldRecord
 * gave them: an unknown tenant first, then an unknown hold.
 */
export async function getHoldForMove(
  db: DatabaseOrTransaction,
  clock: Clock,
  tenantId: string,
  locator: string,
): Promise<{ today: BusinessDate; record: HoldRecord; claims: ClaimRow[] }> {
  const [found] = await holdForMove(db, { tenantId, locator });
  if (!found) throw AppError.notFound("tenant", tenantId);
  const today = businessDateAt(clock.now(), found.timeZone);
  if (!found.row) throw AppError.notFound("hold", locator);
  return { today, record: toRecord(found.row, found.targets, found.characteristics), claims: found.claims };
}

// The account the rules look at (by locator or external id, as findAccount) beside every claiming hold of
// it; from the tenant, so a row comes back even when no hold claims. Uncorrelated: PostgreSQL runs the
// account subquery once.
const accountJson = sql<{
  id: string;
  status: "open" | "closed";
} | null>`(select json_build_object('id', a.id, 'status', a.status) from accounts a where a.tenant_id = ${sql.placeholder("tenantId")} and (a.id = ${sql.placeholder("accountId")} or a.external_id = ${sql.placeholder("accountId")}) limit 1)`;
const checkInputs = preparedQuery("hold_check_inputs", (db) =>
  db
    .select({ account: accountJson, ...withChildren })
    .from(schema.tenants)
    .leftJoin(
      schema.holds,
      and(
        eq(schema.holds.tenantId, schema.tenants.id),
        eq(schema.holds.accountId, sql.placeholder("accountId")),
        inArray(schema.holds.state, ["validated", "active"]),
      ),
    )
    .where(eq(schema.tenants.id, sql.placeholder("tenantId"))),
);

/**
 * What the hold rules read, in one statement: the account
 * (as findAccount finds it: by locator or external id, within the tenant; its
 * id and status) and the other validated or active holds of the account (as
 * claimingHoldsOfAccount).
 */
export async function holdCheckInputs(db: DatabaseOrTransaction, tenantId: string, accountKey: string) {
  const rows = await checkInputs(db, { tenantId, accountId: accountKey });
  const others: HoldRecord[] = [];
  for (const r of rows) if (r.row) others.push(toRecord(r.row, r.targets, r.characteristics));
  return { account: rows[0]?.account ?? null, others };
}

/** The claims replaceClaims writes for a hold. */
export function claimsOf(hold: HoldRecord): ClaimRow[] {
  return hold.targets.map((t) => {
    const p = targetPeriod(hold, t);
    return {
      tenantId: hold.row.tenantId,
      accountId: hold.accountLocator,
      process: t.process,
      startDate: p.start,
      endDate: p.end,
    };
  });
}

/** The same set of claim rows (the primary key is hold and process, so one row per process). */
export function sameClaims(a: readonly ClaimRow[], b: readonly ClaimRow[]): boolean {
  if (a.length !== b.length) return false;
  const byProcess = new Map(a.map((c) => [c.process, c]));
  return b.every((c) => {
    const o = byProcess.get(c.process);
    return (
      o !== undefined &&
      o.tenantId === c.tenantId &&
      o.accountId === c.accountId &&
      o.startDate === c.startDate &&
      o.endDate === c.endDate
    );
  });
}

/** The hold, scoped to its tenant: an unknown and a foreign locator both answer NOT_FOUND. */
export async function getHoldRecord(db: DatabaseOrTransaction, tenantId: string, locator: string): Promise<HoldRecord> {
  const [found] = await holdWithChildren(db, { tenantId, locator });
  if (!found) throw AppError.notFound("hold", locator);
  return toRecord(found.row, found.targets, found.characteristics);
}

/** Other validated or active holds of the account: what the overlap rule looks at. */
export async function claimingHoldsOfAccount(db: DatabaseOrTransaction, tenantId: string, accountId: string) {
  const rows = await claimingHoldsWithChildren(db, { tenantId, accountId });
  return rows.map((r) => toRecord(r.row, r.targets, r.characteristics));
}

/*
 * The version-guarded UPDATE of a move, built by Drizzle once per shape of
 * change (the columns set, and which of them are set to NULL) instead of per
 * request. Each
 * value is a placeholder and still goes through its column's encoder; a NULL
 * is written as `null` in the statement, since a column encoder given null
 * would write the JSON `null` (jsonb) or fail (timestamps). The shapes come
 * from the code's patches, a few per move; the cache is bounded anyway.
 */
const moveUpdates = new Map<string, ReturnType<typeof moveUpdateFor>>();
const MAX_MOVE_UPDATE_SHAPES = 200;

function moveUpdateFor(set: Record<string, unknown>) {
  const shape = Object.fromEntries(
    Object.entries(set).map(([k, v]) => [k, v === null ? sql`null` : sql.placeholder(`set_${k}`)]),
  ) as Partial<HoldRow>;
  return preparedQuery("move_hold", (db) =>
    db
      .update(schema.holds)
      .set(shape)
      .where(and(eq(schema.holds.id, sql.placeholder("id")), eq(schema.holds.version, sql.placeholder("version"))))
      .returning(),
  );
}

/** `update holds set … where id = $id and version = $version returning *`: no row when the version moved on. */
export async function updateHoldAtVersion(
  tx: DatabaseOrTransaction,
  id: string,
  version: number,
  set: Partial<HoldRow>,
): Promise<HoldRow | undefined> {
  const entries = Object.entries(set).filter(([, v]) => v !== undefined);
  const key = entries
    .map(([k, v]) => (v === null ? `${k}=null` : k))
    .sort()
    .join(",");
  let run = moveUpdates.get(key);
  if (!run) {
    run = moveUpdateFor(Object.fromEntries(entries));
    if (moveUpdates.size < MAX_MOVE_UPDATE_SHAPES) moveUpdates.set(key, run);
  }
  const values: Record<string, unknown> = { id, version };
  for (const [k, v] of entries) if (v !== null) values[`set_${k}`] = v;
  const [row] = await run(tx, values);
  return row;
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
    ormbId: r.ormbId,
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
    entityEndDate: r.entityEndDate,
    validationResult: r.validationResult ?? null,
    releaseReason: r.releaseReason,
    discardReason: r.discardReason,
    schedule: holdSchedule(h, today),
    allowedMoves: allowedHoldMoves(h, today),
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
