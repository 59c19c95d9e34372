/**
 * The real side of the holds model test: a fresh tenant per run in one test
 * database, its accounts, a caller through the real router with a real token,
 * and the checks that compare the database with the model after every command.
 */
import type { Caller, World } from "@holdfast/api/testing";
import { databaseChecksum } from "@holdfast/api/testing";
import { schema } from "@holdfast/db";
import { and, asc, eq, inArray } from "drizzle-orm";
import { expect } from "vitest";
import { type HoldsModel, type ModelHold, movesAllowedOn, overlaps, periodOf, scheduleOf } from "./holds-model.ts";
import { plusDays } from "./outcome.ts";

export interface HoldsReal {
  world: World;
  api: Caller;
  tenantId: string;
}

/** The instant each run starts at (09:00 UTC, tenant zone UTC). */
export const RUN_START_DAY = "2027-03-10";

export async function newHoldsRun(world: World, accounts: number): Promise<{ model: HoldsModel; real: HoldsReal }> {
  world.clock.set(`${RUN_START_DAY}T09:00:00Z`);
  const tenantId = await world.tenant("Holds model");
  const api = await world.caller(tenantId);
  const locators: string[] = [];
  for (let i = 0; i < accounts; i++) locators.push((await world.account(tenantId, `Account ${i}`)).locator);
  return {
    model: { today: RUN_START_DAY, accounts: locators.map((locator) => ({ locator, open: true })), holds: [] },
    real: { world, api, tenantId },
  };
}

export function advanceDays(model: HoldsModel, real: HoldsReal, days: number) {
  real.world.clock.advanceDays(days);
  model.today = plusDays(model.today, days);
}

type AnyTarget = { process: string; startDate: string | null; endDate: string | null };
const sortTargets = (ts: readonly AnyTarget[]) =>
  [...ts]
    .map((t) => ({ process: t.process, startDate: t.startDate, endDate: t.endDate }))
    .sort((a, b) => a.process.localeCompare(b.process));

/** A hold as the router answered it, compared with the model's hold. */
export function expectAnswerMatches(
  answer: {
    locator: string;
    accountLocator: string;
    holdState: string;
    version: number;
    startDate: string | null;
    endDate: string | null;
    targets: AnyTarget[];
    allowedMoves: string[];
    schedule: string | null;
    comments: string | null;
  },
  hold: ModelHold,
  model: HoldsModel,
) {
  expect(
    {
      locator: answer.locator,
      account: answer.accountLocator,
      state: answer.holdState,
      version: answer.version,
      startDate: answer.startDate,
      endDate: answer.endDate,
      targets: sortTargets(answer.targets),
      allowedMoves: [...answer.allowedMoves].sort(),
      schedule: answer.schedule,
      comments: answer.comments,
    },
    `hold ${hold.locator} as answered`,
  ).toEqual({
    locator: hold.locator,
    account: model.accounts[hold.account]?.locator,
    state: hold.state,
    version: hold.version,
    startDate: hold.startDate,
    endDate: hold.endDate,
    targets: sortTargets(hold.targets),
    allowedMoves: movesAllowedOn(hold, model.today).sort(),
    schedule: scheduleOf(hold, model.today),
    comments: hold.comments,
  });
}

/** The whole tenant as the database holds it: every hold, its targets, its claims and its audit trail. */
async function readTenant(real: HoldsReal) {
  const db = real.world.db;
  const holds = await db
    .select()
    .from(schema.holds)
    .where(eq(schema.holds.tenantId, real.tenantId))
    .orderBy(asc(schema.holds.id));
  const ids = holds.map((h) => h.id);
  const targets = ids.length
    ? await db.select().from(schema.holdTargets).where(inArray(schema.holdTargets.holdId, ids))
    : [];
  const claims = await db.select().from(schema.holdClaims).where(eq(schema.holdClaims.tenantId, real.tenantId));
  const audit = await db
    .select({ entityId: schema.auditEvents.entityId, action: schema.auditEvents.action })
    .from(schema.auditEvents)
    .where(and(eq(schema.auditEvents.tenantId, real.tenantId), eq(schema.auditEvents.entityType, "hold")))
    .orderBy(asc(schema.auditEvents.id));
  return { holds, targets, claims, audit };
}

/**
 * The invariants, checked against the database after every command:
 * - every hold's state, account, dates, targets and version are the model's
 *   (so versions went up by exactly one per applied move, and not at all on a refusal);
 * - each hold's audit trail lists exactly the moves that applied, in order;
 * - the claims table holds one row per target of each validated or active hold, and nothing else;
 * - no two validated or active holds of one account hold one process over overlapping dates.
 */
export async function expectTenantMatchesModel(model: HoldsModel, real: HoldsReal) {
  const { holds, targets, claims, audit } = await readTenant(real);
  const accountOf = new Map(model.accounts.map((a, i) => [a.locator, i]));
  const realHolds = holds.map((h) => ({
    locator: h.id,
    account: accountOf.get(h.accountId),
    state: h.state,
    version: h.version,
    startDate: h.startDate,
    endDate: h.endDate,
    targets: sortTargets(targets.filter((t) => t.holdId === h.id)),
  }));
  const modelHolds = [...model.holds]
    .sort((a, b) => a.locator.localeCompare(b.locator))
    .map((h) => ({
      locator: h.locator,
      account: h.account,
      state: h.state,
      version: h.version,
      startDate: h.startDate,
      endDate: h.endDate,
      targets: sortTargets(h.targets),
    }));
  expect(realHolds, "holds in the database").toEqual(modelHolds);

  const trails = new Map<string, string[]>();
  for (const e of audit) trails.set(e.entityId, [...(trails.get(e.entityId) ?? []), e.action]);
  expect(Object.fromEntries(trails), "audit trails").toEqual(
    Object.fromEntries(model.holds.map((h) => [h.locator, h.audit])),
  );

  const claimKey = (c: { holdId: string; process: string; startDate: string | null; endDate: string | null }) =>
    `${c.holdId} ${c.process} ${c.startDate ?? "-"}..${c.endDate ?? "-"}`;
  const expectedClaims = model.holds
    .filter((h) => h.state === "validated" || h.state === "active")
    .flatMap((h) =>
      h.targets.map((t) => {
        const p = periodOf(h, t);
        return claimKey({ holdId: h.locator, process: t.process, startDate: p.start, endDate: p.end });
      }),
    )
    .sort();
  expect(claims.map(claimKey).sort(), "hold claims").toEqual(expectedClaims);

  // The overlap rule, read from the database alone (not from the model).
  const claiming = holds.filter((h) => h.state === "validated" || h.state === "active");
  for (let i = 0; i < claiming.length; i++) {
    for (let j = i + 1; j < claiming.length; j++) {
      const a = claiming[i];
      const b = claiming[j];
      if (!a || !b || a.accountId !== b.accountId) continue;
      for (const ta of targets.filter((t) => t.holdId === a.id)) {
        for (const tb of targets.filter((t) => t.holdId === b.id && t.process === ta.process)) {
          const pa = { start: ta.startDate ?? a.startDate, end: ta.endDate ?? a.endDate };
          const pb = { start: tb.startDate ?? b.startDate, end: tb.endDate ?? b.endDate };
          expect(overlaps(pa, pb), `holds ${a.id} and ${b.id} both hold ${ta.process} over overlapping dates`).toBe(
            false,
          );
        }
      }
    }
  }
}

/** The hold's history through `audit.history` (the API's own reading of the audit trail). */
export async function expectHistoryMatches(real: HoldsReal, hold: ModelHold) {
  const events = await real.api.audit.history({ entityType: "hold", entityId: hold.locator });
  expect(
    events.map((e) => e.action),
    `audit.history of ${hold.locator}`,
  ).toEqual(hold.audit);
  // Each event's "after" carries the version the move produced: one more per applied move.
  const versions = events.map((e) => (e.after as { version?: number } | null)?.version);
  expect(versions, `versions in the audit trail of ${hold.locator}`).toEqual(hold.audit.map((_, i) => i + 1));
}

export const checksum = (real: HoldsReal) => databaseChecksum(real.world.db);
