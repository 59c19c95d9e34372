import { schema } from "@holdfast/db";
import {
  AppError,
  type DirectoryEntry,
  type DirectoryKind,
  type listDirectoryInput,
  type removeDirectoryNameInput,
  type setDirectoryNameInput,
} from "@holdfast/domain";
import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import { recordAudit } from "../audit.ts";
import { reader, type ServiceContext } from "../context.ts";
import { runMutation } from "../idempotency.ts";

/** The audit entity id of a directory entry: its kind and id. */
const entityIdOf = (kind: DirectoryKind, id: string) => `${kind}:${id}`;

/**
 * The services and companies the tenant knows: every id its automations use
 * (companies and assignment services), with how many automations use it, and
 * every one an admin named. Named first by name, then unnamed by id; at most
 * `limit`, and whether more exist.
 */
export async function listDirectory(ctx: ServiceContext, input: z.output<typeof listDirectoryInput>) {
  const kind = input.kind ?? null;
  const rows = await reader(ctx).$client<
    { kind: DirectoryKind; id: string; name: string | null; automations: number }[]
  >`
    with used as (
      select 'company'::text as kind, c.company_id as id, count(distinct c.automation_id)::int as n
        from automation_companies c join automations a on a.id = c.automation_id
       where a.tenant_id = ${ctx.tenantId}::uuid
       group by c.company_id
      union all
      select 'service', s.service_id, count(distinct s.automation_id)::int
        from automation_assignments s join automations a on a.id = s.automation_id
       where a.tenant_id = ${ctx.tenantId}::uuid
       group by s.service_id
    ),
    named as (select kind, id, name from directory_names where tenant_id = ${ctx.tenantId}::uuid)
    select coalesce(named.kind, used.kind) as kind, coalesce(named.id, used.id)::text as id,
           named.name, coalesce(used.n, 0)::int as automations
      from named full join used on used.kind = named.kind and used.id = named.id
     where ${kind}::text is null or coalesce(named.kind, used.kind) = ${kind}::text
     order by named.name is null, lower(named.name), named.name, 2
     limit ${input.limit + 1}`;
  const entries: DirectoryEntry[] = rows.slice(0, input.limit).map((r) => ({ ...r }));
  return { entries, truncated: rows.length > input.limit };
}

/** Names a service or company (adds it, or renames it). Audited: before and after. */
export function setDirectoryName(ctx: ServiceContext, input: z.output<typeof setDirectoryNameInput>) {
  const { tenantId } = ctx;
  const { idempotencyKey, ...request } = input;
  return runMutation(ctx, { operation: "settings.setDirectoryName", idempotencyKey, request }, async (tx) => {
    const d = schema.directoryNames;
    const key = and(eq(d.tenantId, tenantId), eq(d.kind, input.kind), eq(d.id, input.id));
    const [before] = await tx.select({ name: d.name }).from(d).where(key).for("update");
    const [row] = await tx
      .insert(d)
      .values({ tenantId, kind: input.kind, id: input.id, name: input.name, updatedAt: ctx.clock.now() })
      .onConflictDoUpdate({
        target: [d.tenantId, d.kind, d.id],
        set: { name: input.name, updatedAt: ctx.clock.now() },
      })
      .returning();
    if (!row) throw new Error("the directory name was not written");
    const after = { kind: row.kind, id: row.id, name: row.name };
    await recordAudit(tx, ctx, {
      tenantId,
      entityType: "directory_name",
      entityId: entityIdOf(input.kind, input.id),
      action: before ? "renameDirectoryEntry" : "nameDirectoryEntry",
      before: before ? { kind: input.kind, id: input.id, name: before.name } : null,
      after,
    });
    return { ...after, updatedAt: row.updatedAt.toISOString() };
  });
}

/** Removes a name (NOT_FOUND when there is none). An id an automation still uses stays known, unnamed. */
export function removeDirectoryName(ctx: ServiceContext, input: z.output<typeof removeDirectoryNameInput>) {
  const { tenantId } = ctx;
  const { idempotencyKey, ...request } = input;
  return runMutation(ctx, { operation: "settings.removeDirectoryName", idempotencyKey, request }, async (tx) => {
    const d = schema.directoryNames;
    const [row] = await tx
      .delete(d)
      .where(and(eq(d.tenantId, tenantId), eq(d.kind, input.kind), eq(d.id, input.id)))
      .returning();
    if (!row) throw AppError.notFound(`${input.kind} name`, input.id);
    await recordAudit(tx, ctx, {
      tenantId,
      entityType: "directory_name",
      entityId: entityIdOf(input.kind, input.id),
      action: "removeDirectoryName",
      before: { kind: row.kind, id: row.id, name: row.name },
      after: null,
    });
    return {};
  });
}
