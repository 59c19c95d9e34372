/**
 * Holds for tests and benchmarks: one made through the real services and
 * brought to a state, or many at once with one set-based INSERT (the services
 * would take minutes for 10,000), with locators that are valid ULIDs whose
 * order is the hold's number, so a test knows which hold belongs where.
 */
import type { Database } from "@holdfast/db";
import { activateHold, createHold, type ServiceContext, validateHold } from "@holdfast/services";

type CreateHoldFields = Parameters<typeof createHold>[1];

/**
 * A hold made through the services and validated, then activated for
 * "active". Throws if it does not get there (a seed that breaks a rule).
 */
export async function seedHold(ctx: ServiceContext, fields: CreateHoldFields, state: "validated" | "active") {
  const draft = await createHold(ctx, fields);
  const validated = await validateHold(ctx, { locator: draft.locator });
  if (validated.holdState !== "validated")
    throw new Error(`the seeded hold did not validate: ${JSON.stringify(validated.validationResult)}`);
  if (state === "validated") return validated;
  const hold = await activateHold(ctx, { locator: draft.locator });
  if (hold.holdState !== "active") throw new Error(`the seeded hold is ${hold.holdState}, not active`);
  return hold;
}

/** The locator of hold number n (1-based): a fixed ULID prefix, then n in 16 digits. Newer holds sort first. */
export function seededHoldLocator(n: number): string {
  return `01J0000000${String(n).padStart(16, "0")}`;
}

/** Hold number n from its locator (the inverse of seededHoldLocator). */
export function seededHoldNumber(locator: string): number {
  return Number(locator.slice(10));
}

/**
 * Inserts `count` draft holds (1…count; `count` is the newest) for one
 * account, each with one invoicing target, and returns how many holds the
 * tenant now has.
 */
export async function seedHolds(
  db: Database,
  { tenantId, accountLocator, count }: { tenantId: string; accountLocator: string; count: number },
): Promise<number> {
  const sql = db.$client;
  await sql`
    insert into holds (id, tenant_id, account_id, state, start_date, end_date, comments,
                       created_at, updated_at, created_by, updated_by)
    select '01J0000000' || lpad(n::text, 16, '0'), ${tenantId}::uuid, ${accountLocator}, 'draft',
           date '2030-07-01' + (n % 60), date '2030-09-01' + (n % 60), 'seeded hold ' || n,
           timestamptz '2030-06-01T00:00:00Z' + n * interval '1 minute',
           timestamptz '2030-06-01T00:00:00Z' + n * interval '1 minute', 'seed', 'seed'
    from generate_series(1, ${count}::int) as n`;
  await sql`
    insert into hold_targets (hold_id, process)
    select '01J0000000' || lpad(n::text, 16, '0'), 'invoicing' from generate_series(1, ${count}::int) as n`;
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from holds where tenant_id = ${tenantId}::uuid`;
  return row?.n ?? 0;
}
