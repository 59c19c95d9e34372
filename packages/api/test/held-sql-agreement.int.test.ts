import { schema } from "@holdfast/db";
import { addDays, HOLD_PROCESSES, type HoldFacts, type HoldProcess, holdsInEffect } from "@holdfast/domain";
import { accountHeldSql, newLocator } from "@holdfast/services";
import { eq, sql } from "drizzle-orm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { setupWorld, TODAY } from "./harness.ts";

/**
 * The worker judges "held" in SQL (accountHeldSql) for set-based claims; the
 * effect query uses the domain's holdsInEffect. For today and later dates the
 * two are the same rule: this property keeps them in agreement.
 */
const w = setupWorld({ tenantName: "Held SQL" });

const day = fc.integer({ min: -20, max: 40 }).map((n) => addDays(TODAY, n));
const maybeDay = fc.option(day, { nil: null });
const target = fc.record({ process: fc.constantFrom(...HOLD_PROCESSES), startDate: maybeDay, endDate: maybeDay });
const hold = fc.record({
  state: fc.constantFrom("draft" as const, "validated" as const, "active" as const, "discarded" as const),
  startDate: maybeDay,
  endDate: maybeDay,
  targets: fc.uniqueArray(target, { minLength: 1, maxLength: 3, selector: (t) => t.process }),
});

describe("accountHeldSql agrees with the domain's holdsInEffect", () => {
  it("for any holds of an account, any process, and any date from today on", async () => {
    const accountLocator = await w.newAccount("Held SQL customer");
    const now = w.clock.now();
    await fc.assert(
      fc.asyncProperty(
        fc.array(hold, { maxLength: 4 }),
        fc.constantFrom(...HOLD_PROCESSES),
        fc.integer({ min: 0, max: 40 }).map((n) => addDays(TODAY, n)),
        async (holds, process: HoldProcess, date) => {
          await w.db.delete(schema.holds).where(eq(schema.holds.accountId, accountLocator));
          const facts: HoldFacts[] = [];
          for (const h of holds) {
            const id = newLocator();
            await w.db.insert(schema.holds).values({
              id,
              tenantId: w.tenantId,
              accountId: accountLocator,
              state: h.state,
              startDate: h.startDate,
              endDate: h.endDate,
              createdAt: now,
              updatedAt: now,
              createdBy: "test",
              updatedBy: "test",
              activatedAt: h.state === "active" ? now : null,
            });
            await w.db.insert(schema.holdTargets).values(h.targets.map((t) => ({ holdId: id, ...t })));
            facts.push({ locator: id, accountLocator, ...h });
          }
          const [row] = await w.db.execute<{ held: boolean }>(
            sql`select ${accountHeldSql(w.tenantId, sql`${accountLocator}`, process, date)} as held`,
          );
          expect(row?.held).toBe(holdsInEffect(facts, accountLocator, process, date).length > 0);
        },
      ),
      { numRuns: 150 },
    );
  });
});
