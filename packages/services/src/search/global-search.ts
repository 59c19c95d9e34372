import { schema } from "@holdfast/db";
import type { GlobalSearchInput, GlobalSearchOutput } from "@holdfast/domain";
import { and, asc, desc, eq, like, or, sql } from "drizzle-orm";
import { callerMay, reader, type ServiceContext } from "../context.ts";
import { escapeLike } from "../like.ts";

/** The same prefix as typed and in upper case (numbers are usually written upper case): both served by one index. */
function prefixes(q: string): string[] {
  return [...new Set([q, q.toUpperCase()])].map((p) => `${escapeLike(p)}%`);
}

/**
 * The header's search, in the tenant only: accounts by name (contains, the
 * trigram index on lower(name)) or external id (prefix); holds by locator
 * (exact) or external transaction id (prefix); subscriptions and invoices by
 * number (prefix); automations by name (contains, trigram). Groups the caller
 * may not read come back empty. The five queries run at once.
 */
export async function searchGlobal(ctx: ServiceContext, input: GlobalSearchInput): Promise<GlobalSearchOutput> {
  const { tenantId } = ctx;
  const db = reader(ctx);
  const limit = input.limitPerGroup;
  const contains = `%${escapeLike(input.q.toLowerCase())}%`;
  const starts = prefixes(input.q);
  const none = Promise.resolve([]);
  const a = schema.accounts;
  const h = schema.holds;
  const s = schema.subscriptions;
  const i = schema.invoices;
  const m = schema.automations;
  const holdsOk = callerMay(ctx, "holds:list");
  const subsOk = callerMay(ctx, "subscriptions:read");

  const [accounts, holds, subscriptions, invoices, automations] = await Promise.all([
    holdsOk
      ? db
          .select({ id: a.id, name: a.name, externalId: a.externalId, status: a.status })
          .from(a)
          .where(
            and(
              eq(a.tenantId, tenantId),
              or(sql`lower(${a.name}) like ${contains}`, like(a.externalId, `${escapeLike(input.q)}%`)),
            ),
          )
          .orderBy(asc(a.name), asc(a.id))
          .limit(limit)
      : none,
    holdsOk
      ? db
          .select({ id: h.id, state: h.state, externalTransactionId: h.externalTransactionId, accountName: a.name })
          .from(h)
          .innerJoin(a, eq(a.id, h.accountId))
          .where(
            and(
              eq(h.tenantId, tenantId),
              or(eq(h.id, input.q.toUpperCase()), ...starts.map((p) => like(h.externalTransactionId, p))),
            ),
          )
          .orderBy(desc(h.id))
          .limit(limit)
      : none,
    subsOk
      ? db
          .select({ id: s.id, number: s.number, state: s.state, accountName: a.name })
          .from(s)
          .innerJoin(a, eq(a.id, s.accountId))
          .where(and(eq(s.tenantId, tenantId), or(...starts.map((p) => like(s.number, p)))))
          .orderBy(asc(s.number))
          .limit(limit)
      : none,
    subsOk
      ? db
          .select({
            id: i.id,
            number: i.number,
            status: i.status,
            subscriptionId: i.subscriptionId,
            amountMinor: i.amountMinor,
            currency: i.currency,
          })
          .from(i)
          .where(and(eq(i.tenantId, tenantId), or(...starts.map((p) => like(i.number, p)))))
          .orderBy(asc(i.number))
          .limit(limit)
      : none,
    callerMay(ctx, "automations:read")
      ? db
          .select({ id: m.id, name: m.name, triggerType: m.triggerType })
          .from(m)
          .where(and(eq(m.tenantId, tenantId), sql`lower(${m.name}) like ${contains}`))
          .orderBy(asc(m.name), asc(m.id))
          .limit(limit)
      : none,
  ]);

  return {
    accounts: accounts.map((r) => ({
      locator: r.id,
      label: r.name,
      detail: [r.externalId, r.status === "closed" ? "closed" : null].filter(Boolean).join(" · "),
    })),
    holds: holds.map((r) => ({
      locator: r.id,
      label: r.externalTransactionId ?? r.id,
      detail: `${r.state} · ${r.accountName}`,
    })),
    subscriptions: subscriptions.map((r) => ({
      locator: r.id,
      label: r.number,
      detail: `${r.state} · ${r.accountName}`,
    })),
    invoices: invoices.map((r) => ({
      locator: r.id,
      label: r.number,
      detail: r.status,
      subscriptionLocator: r.subscriptionId,
    })),
    automations: automations.map((r) => ({ locator: r.id, label: r.name, detail: r.triggerType })),
  };
}
