import { type Database, schema } from "@holdfast/db";
import {
  EVENT_ENTITY_TYPES,
  EVENT_READ_PERMISSION,
  EVENT_RETENTION_DAYS,
  type EventPageOutput,
  type EventType,
  type ListEventsInput,
} from "@holdfast/domain";
import { and, asc, eq, gt, gte, inArray, lt, sql } from "drizzle-orm";
import { encodeTime } from "ulid";
import { callerMay, type ServiceContext } from "../context.ts";
import { splitPage } from "../paging.ts";

/** Allowance for the clocks of the servers (which stamp event ids) and of the database to differ. */
export const EVENT_SETTLE_MS = 1000;

/**
 * The newest event id events.list may show now. Event ids are ULIDs stamped
 * when the change writes its event, so ids are not in commit order: a
 * transaction still open may commit an event with a lower id than one
 * already committed. A cursor past that one would then skip it for good. So
 * the list stops below the start of the oldest transaction open in the
 * database (any open transaction may still write an event, and its ids come
 * after its start), less EVENT_SETTLE_MS for clock differences, and never
 * later than now less that. Reads pg_stat_activity on the primary: it shows
 * the transactions of the role's own sessions, which are the servers' and
 * the workers' (one runtime role).
 */
async function settledBelow(db: Database): Promise<string> {
  const [row] = (await db.execute(sql`
    select (extract(epoch from least(clock_timestamp(), (
      select min(xact_start) from pg_stat_activity
       where datname = current_database() and pid <> pg_backend_pid()
         and backend_type = 'client backend' and xact_start is not null
    ))) * 1000)::float8 as ms`)) as unknown as { ms: number }[];
  const ms = Math.min(Math.floor(Number(row?.ms ?? Date.now())), Date.now()) - EVENT_SETTLE_MS;
  return `${encodeTime(Math.max(ms, 0), 10)}0000000000000000`;
}

/** The entity kinds whose events the caller may read in the tenant (EVENT_READ_PERMISSION). */
export function readableEventEntities(ctx: ServiceContext): string[] {
  return EVENT_ENTITY_TYPES.filter((t) => {
    const wanted = EVENT_READ_PERMISSION[t];
    return wanted === null || callerMay(ctx, wanted);
  });
}

/**
 * The tenant's events, oldest first, after the cursor (an event id), of the
 * last EVENT_RETENTION_DAYS days on the injected clock, of the kinds the
 * caller may read; only settled ones (see settledBelow), so paging by the
 * last id seen never skips an event. Reads the primary, where every open
 * transaction is visible.
 */
export async function listEvents(ctx: ServiceContext, input: ListEventsInput): Promise<EventPageOutput> {
  const e = schema.domainEvents;
  const readable = readableEventEntities(ctx);
  const kinds = input.entity ? readable.filter((k) => k === input.entity?.type) : readable;
  if (kinds.length === 0) return { items: [], nextCursor: null };
  const since = new Date(ctx.clock.now().getTime() - EVENT_RETENTION_DAYS * 86_400_000);
  const rows = await ctx.db
    .select()
    .from(e)
    .where(
      and(
        eq(e.tenantId, ctx.tenantId),
        inArray(e.entityType, kinds),
        input.entity ? eq(e.entityId, input.entity.id) : undefined,
        input.types ? inArray(e.type, input.types) : undefined,
        input.after ? gt(e.id, input.after) : undefined,
        lt(e.id, await settledBelow(ctx.db)),
        gte(e.occurredAt, since),
      ),
    )
    .orderBy(asc(e.id))
    .limit(input.limit + 1);
  const { page, nextCursor } = splitPage(rows, input.limit);
  return {
    items: page.map((r) => ({
      id: r.id,
      type: r.type as EventType,
      version: r.version,
      tenantLocator: r.tenantId,
      entity: { type: r.entityType as (typeof EVENT_ENTITY_TYPES)[number], id: r.entityId },
      occurredAt: r.occurredAt.toISOString(),
      requestId: r.requestId,
      data: r.data as Record<string, unknown>,
    })),
    nextCursor,
  };
}
