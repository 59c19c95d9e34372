/** Reading the audit trail and the hold rows straight from the database, for the race and idempotency suites. */
import type { Database } from "@holdfast/db";

export interface AuditRow {
  id: string;
  action: string;
  actorType: string;
  actorId: string;
  requestId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** Every audit event of one entity, in the order the product lists them (by id: ULIDs, monotonic per process). */
export async function auditOf(db: Database, entityId: string): Promise<AuditRow[]> {
  const rows = await db.$client.unsafe(
    `select id, action, actor_type, actor_id, request_id, before, after
       from audit_events where entity_id = $1 order by id`,
    [entityId],
  );
  return rows.map((r) => ({
    id: String(r.id),
    action: String(r.action),
    actorType: String(r.actor_type),
    actorId: String(r.actor_id),
    requestId: (r.request_id as string | null) ?? null,
    before: (r.before as Record<string, unknown> | null) ?? null,
    after: (r.after as Record<string, unknown> | null) ?? null,
  }));
}

/** The hold row as stored (state, version, release reason) and the processes it claims. */
export async function holdRow(db: Database, locator: string) {
  const [row] = await db.$client.unsafe(
    "select state, version, release_reason, released_by, comments from holds where id = $1",
    [locator],
  );
  const claims = await db.$client.unsafe("select process from hold_claims where hold_id = $1 order by process", [
    locator,
  ]);
  if (!row) throw new Error(`hold ${locator} is not in the database`);
  return {
    state: String(row.state),
    version: Number(row.version),
    releaseReason: (row.release_reason as string | null) ?? null,
    releasedBy: (row.released_by as string | null) ?? null,
    comments: (row.comments as string | null) ?? null,
    claims: claims.map((c) => String(c.process)),
  };
}

export { prng } from "../random.ts";
