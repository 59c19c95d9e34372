import {
  auditListInput,
  getAllAutomationsInput,
  listAccountsInput,
  listHoldsInput,
  listInvoicesInput,
  listSubscriptionsInput,
  type Permission,
  zScope,
} from "@holdfast/domain";
import {
  getAllAutomations,
  listAccounts,
  listAuditLog,
  listHolds,
  listInvoices,
  listSubscriptions,
  listWorkerTicks,
  type ServiceContext,
} from "@holdfast/services";
import { z } from "zod";

/** Where the exports live: `GET /export/<list>.csv?input=<JSON filters>`. */
export const EXPORT_PREFIX = "/export/";
/** The path of a list's export (also its /metrics route label). */
export const exportPath = (name: string) => `${EXPORT_PREFIX}${name}.csv`;

/** A CSV cell: text, a number, a flag, or empty. */
export type Cell = string | number | boolean | null | undefined;

/**
 * One exportable list: who may export it, its filters (the list procedure's
 * input; the paging keys are the export's own), its columns, and how to read
 * one keyset page of it.
 */
export interface ExportList<I = unknown, R = unknown> {
  name: string;
  permission: Permission | null;
  filters: z.ZodType<I>;
  /** Keys of `filters` the export refuses: it pages by itself. */
  pagingKeys: readonly string[];
  columns: readonly (readonly [header: string, value: (row: R) => Cell])[];
  page(
    ctx: ServiceContext,
    input: I,
    cursor: string | null,
    limit: number,
  ): Promise<{ items: R[]; nextCursor: string | null }>;
}

/** Keeps each list's own types while the registry holds them all. */
const list = <I, R>(e: ExportList<I, R>) => e as unknown as ExportList;
const PAGING = ["cursor", "limit", "direction"] as const;
const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

export const EXPORT_LISTS: Record<string, ExportList> = Object.fromEntries(
  [
    list({
      name: "holds",
      permission: "holds:list",
      filters: listHoldsInput,
      pagingKeys: PAGING,
      page: (ctx, input, cursor, limit) => listHolds(ctx, { ...input, cursor, limit }),
      columns: [
        ["locator", (h) => h.locator],
        ["account", (h) => h.accountLocator],
        ["state", (h) => h.holdState],
        ["schedule", (h) => h.schedule],
        ["processes", (h) => h.targets.map((t) => t.process).join(" ")],
        ["start_date", (h) => h.startDate],
        ["end_date", (h) => h.endDate],
        ["external_transaction_id", (h) => h.externalTransactionId],
        ["source_system", (h) => h.sourceSystem],
        ["comments", (h) => h.comments],
        ["release_reason", (h) => h.releaseReason],
        ["version", (h) => h.version],
        ["created_at", (h) => h.createdAt],
        ["updated_at", (h) => h.updatedAt],
      ],
    }),
    list({
      name: "subscriptions",
      permission: "subscriptions:read",
      filters: listSubscriptionsInput,
      pagingKeys: PAGING,
      page: (ctx, input, cursor, limit) => listSubscriptions(ctx, { ...input, cursor, limit }),
      columns: [
        ["locator", (s) => s.locator],
        ["number", (s) => s.number],
        ["account", (s) => s.accountLocator],
        ["state", (s) => s.state],
        ["payment_model", (s) => s.paymentModel],
        ["price_minor", (s) => s.priceMinor],
        ["currency", (s) => s.currency],
        ["billing_period", (s) => s.billingPeriod],
        ["next_billing_date", (s) => s.nextBillingDate],
        ["grace_start", (s) => s.grace?.start],
        ["grace_end", (s) => s.grace?.end],
        ["grace_paused_on", (s) => s.grace?.pausedOn],
        ["lapsed_on", (s) => s.lapsedOn],
        ["held_for_invoicing", (s) => s.heldFor.invoicing],
        ["held_for_delinquency", (s) => s.heldFor.delinquency],
        ["created_at", (s) => s.createdAt],
      ],
    }),
    list({
      name: "invoices",
      permission: "subscriptions:read",
      filters: listInvoicesInput,
      pagingKeys: PAGING,
      page: (ctx, input, cursor, limit) => listInvoices(ctx, { ...input, cursor, limit }),
      columns: [
        ["locator", (i) => i.locator],
        ["number", (i) => i.number],
        ["subscription", (i) => i.subscriptionLocator],
        ["account", (i) => i.accountLocator],
        ["status", (i) => i.status],
        ["amount_minor", (i) => i.amountMinor],
        ["paid_minor", (i) => i.paidMinor],
        ["currency", (i) => i.currency],
        ["period_start", (i) => i.periodStart],
        ["period_end", (i) => i.periodEnd],
        ["issued_on", (i) => i.issuedOn],
        ["due_on", (i) => i.dueOn],
        ["paid_on", (i) => i.paidOn],
      ],
    }),
    list({
      name: "automations",
      permission: "automations:read",
      // The first-party list's filters; the tenant is the export's own (no portfolio).
      filters: getAllAutomationsInput
        .pick({ companyIds: true, automationIds: true, sort: true, order: true })
        .extend(zScope),
      pagingKeys: ["limitation", "enterpriseIds"],
      page: async (ctx, input, cursor, limit) => {
        const { tenantLocator: _scope, ...filters } = input;
        const out = await getAllAutomations(
          { ...ctx, tenantIds: [ctx.tenantId] },
          {
            ...filters,
            limitation: { count: limit, cursor },
          },
        );
        return { items: out.automations, nextCursor: out.cursor };
      },
      columns: [
        ["id", (a) => a.id],
        ["name", (a) => a.name],
        ["description", (a) => a.description],
        ["trigger_type", (a) => a.triggerType],
        ["assignment_target_type", (a) => a.assignmentTargetType],
        ["bill_aggregation_type", (a) => a.billAggregationType],
        ["prepayment", (a) => a.prepayment],
        ["company_ids", (a) => a.companies.map((c) => c.companyId).join(" ")],
        ["service_ids", (a) => [...new Set(a.assignments.map((s) => s.serviceId))].join(" ")],
        ["assignments", (a) => a.assignments.length],
        ["created_utc", (a) => a.createdUtc],
        ["updated_utc", (a) => a.updatedUtc],
      ],
    }),
    list({
      name: "accounts",
      permission: "holds:list",
      filters: listAccountsInput,
      pagingKeys: PAGING,
      page: (ctx, input, cursor, limit) => listAccounts(ctx, { ...input, cursor, limit }),
      columns: [
        ["locator", (a) => a.locator],
        ["name", (a) => a.name],
        ["external_id", (a) => a.externalId],
        ["status", (a) => a.status],
        ["created_at", (a) => a.createdAt],
        ["updated_at", (a) => a.updatedAt],
      ],
    }),
    list({
      name: "worker-ticks",
      // Any member of the tenant, as worker.status.
      permission: null,
      filters: z.strictObject({ ...zScope }),
      pagingKeys: PAGING,
      page: (ctx, _input, cursor, limit) => listWorkerTicks(ctx, { cursor, limit }),
      columns: [
        ["id", (t) => t.id],
        ["worker", (t) => t.workerId],
        ["status", (t) => t.status],
        ["clock_at", (t) => t.clockAt],
        ["started_at", (t) => t.startedAt],
        ["finished_at", (t) => t.finishedAt],
        ["counts", (t) => json(t.counts)],
        ["errors", (t) => t.errors.join("\n")],
      ],
    }),
    list({
      name: "audit",
      // Any member, as audit.list: the log holds only the entity types the caller may read.
      permission: null,
      filters: auditListInput,
      pagingKeys: PAGING,
      page: (ctx, input, cursor, limit) => listAuditLog(ctx, { ...input, cursor, limit }),
      columns: [
        ["id", (e) => e.id],
        ["at", (e) => e.at],
        ["entity_type", (e) => e.entityType],
        ["entity_id", (e) => e.entityId],
        ["action", (e) => e.action],
        ["actor_type", (e) => e.actorType],
        ["actor_id", (e) => e.actorId],
        ["actor_name", (e) => e.actorName],
        ["request_id", (e) => e.requestId],
        ["reason", (e) => e.reason],
        ["before", (e) => json(e.before)],
        ["after", (e) => json(e.after)],
      ],
    }),
  ].map((e) => [e.name, e]),
);
