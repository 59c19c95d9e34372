/**
 * P1's supply of holds to move. One template hold is made through the real
 * services (create → validate); pools are set-based copies of it, each on an
 * account of its own, so every request moves a different hold (validated →
 * active) and no two clients ever touch the same rows.
 *
 * Ids are derived from a pool index so that every variant can name the hold
 * it moves: HTTP variants need ULID-shaped locators ("0000000" + 19 digits),
 * pgbench can only compute integers (its `\set`), so its holds are the plain
 * 19-digit numbers.
 */
import type { Database } from "@holdfast/db";
import { sql } from "drizzle-orm";

export const HOLD_BASE = 1_000_000_000_000_000_000n;
export const ACCOUNT_BASE = 2_000_000_000_000_000_000n;
/** pgbench's audit ids: AUDIT_BASE + client × 10¹² + transaction number. */
export const AUDIT_BASE = 3_000_000_000_000_000_000n;
/** pgbench's domain event ids, the same way. */
export const EVENT_BASE = 4_000_000_000_000_000_000n;

export type IdStyle = "ulid" | "numeric";

export function holdId(index: number, style: IdStyle): string {
  const n = (HOLD_BASE + BigInt(index)).toString();
  return style === "ulid" ? n.padStart(26, "0") : n;
}

export function accountId(index: number, style: IdStyle): string {
  const n = (ACCOUNT_BASE + BigInt(index)).toString();
  return style === "ulid" ? n.padStart(26, "0") : n;
}

/** SQL for the id of pool index `g` (an integer column expression). */
function idSql(base: bigint, style: IdStyle, g: string): string {
  const n = `(${base.toString()}::bigint + ${g})::text`;
  return style === "ulid" ? `lpad(${n}, 26, '0')` : n;
}

async function columns(db: Database, table: string): Promise<string[]> {
  const rows = await db.$client<{ column_name: string }[]>`
    select column_name from information_schema.columns
    where table_schema = 'public' and table_name = ${table} order by ordinal_position`;
  return rows.map((r) => r.column_name);
}

/**
 * Copies the template hold (and its account, targets, characteristics and
 * claims) `count` times as pool indexes [from, from + count), in one
 * transaction of set-based INSERT … SELECT. Every column is copied as is
 * except the ids, so the copies are exactly what the services made.
 */
export async function clonePool(db: Database, templateHoldId: string, from: number, count: number, style: IdStyle) {
  const g = "g";
  const series = `generate_series(${from}, ${from + count - 1}) as s(g)`;
  const hid = idSql(HOLD_BASE, style, g);
  const aid = idSql(ACCOUNT_BASE, style, g);
  const copy = async (table: string, where: string, replace: Record<string, string>) => {
    const cols = await columns(db, table);
    const select = cols.map((c) => (replace[c] ? `${replace[c]} as "${c}"` : `t."${c}"`)).join(", ");
    return `insert into "${table}" (${cols.map((c) => `"${c}"`).join(", ")}) select ${select} from "${table}" t, ${series} where ${where}`;
  };
  const template = templateHoldId.replace(/'/g, "");
  const statements = [
    await copy("accounts", `t.id = (select account_id from holds where id = '${template}')`, {
      id: aid,
      external_id: "null",
    }),
    // Each copy takes its own ORMB id (unique per tenant) from the sequence, as the services do.
    await copy("holds", `t.id = '${template}'`, { id: hid, account_id: aid, ormb_id: "nextval('holds_ormb_id_seq')" }),
    await copy("hold_targets", `t.hold_id = '${template}'`, { hold_id: hid }),
    await copy("hold_characteristics", `t.hold_id = '${template}'`, { hold_id: hid }),
    await copy("hold_claims", `t.hold_id = '${template}'`, { hold_id: hid, account_id: aid }),
  ];
  await db.$client.begin(async (tx) => {
    for (const s of statements) await tx.unsafe(s);
  });
}

/** How many holds of pool indexes [from, from + count) are active now. */
export async function countActive(db: Database, from: number, count: number, style: IdStyle): Promise<number> {
  const ids = sql.raw(
    `select count(*)::int as n from holds where state = 'active' and id in (select ${idSql(HOLD_BASE, style, "g")} from generate_series(${from}, ${from + count - 1}) s(g))`,
  );
  const rows = (await db.execute(ids)) as unknown as { n: number }[];
  return rows[0]?.n ?? 0;
}
