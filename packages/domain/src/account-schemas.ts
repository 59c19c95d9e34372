import { z } from "zod";
import { zLocator, zMutation, zScope, zText, zVersion } from "./common-schemas.ts";
import { holdOutput, zHoldProcess } from "./holds/schemas.ts";
import { invoiceOutput, subscriptionOutput } from "./subscriptions/schemas.ts";

export const accountOutput = z.object({
  locator: z.string(),
  tenantLocator: z.string(),
  name: z.string(),
  status: z.enum(["open", "closed"]),
  externalId: z.string().nullable(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type AccountOutput = z.infer<typeof accountOutput>;

export const ACCOUNT_SORTS = ["id", "name", "createdAt", "externalId"] as const;
export type AccountSort = (typeof ACCOUNT_SORTS)[number];

/**
 * The accounts list: name contains / external id starts with `search`, only
 * accounts held today for `heldFor`, sorted by a column (ties broken by
 * locator), keyset-paged with the opaque `nextCursor` of the previous page.
 */
export const listAccountsInput = z.strictObject({
  ...zScope,
  search: zText(100).trim().optional(),
  heldFor: zHoldProcess.optional(),
  sort: z.enum(ACCOUNT_SORTS).default("id"),
  order: z.enum(["asc", "desc"]).default("asc"),
  /** Opaque: the previous page's `nextCursor`, valid for the same sort and order. */
  cursor: z.string().max(1000).nullish(),
  /** Kept for older callers; paging is always forward. */
  direction: z.enum(["forward", "backward"]).optional(),
  limit: z.number().int().min(1).max(500).default(100),
});
export type ListAccountsInput = z.output<typeof listAccountsInput>;

export const createAccountInput = z.strictObject({
  ...zMutation,
  name: zText(200).min(1),
  externalId: zText(120).min(1).nullish(),
});
export const moveAccountInput = z.strictObject({
  ...zMutation,
  locator: zLocator,
  expectedVersion: zVersion.optional(),
});

/** An account by its locator or its external id. */
export const getAccountInput = z.strictObject({ ...zScope, account: zText(120).min(1) });

/** How many of an account's holds, subscriptions and open invoices its page shows (newest first). */
export const ACCOUNT_PAGE_LIMIT = 25;

/**
 * An account's page: what is held today (the tenant's business date) per
 * process with the holds doing it, its newest holds, and, for callers who may
 * read subscriptions, its subscriptions, open invoices and open balance per
 * currency (integer minor units). Those three are null for other callers.
 */
export const accountSummaryOutput = z.object({
  account: accountOutput,
  today: z.string(),
  heldToday: z.array(
    z.object({
      process: zHoldProcess,
      holds: z.array(
        z.object({
          locator: z.string(),
          startDate: z.string().nullable(),
          endDate: z.string().nullable(),
          externalTransactionId: z.string().nullable(),
        }),
      ),
    }),
  ),
  holds: z.array(holdOutput),
  moreHolds: z.boolean(),
  subscriptions: z.array(subscriptionOutput).nullable(),
  openInvoices: z.array(invoiceOutput).nullable(),
  openBalance: z.array(z.object({ currency: z.string(), amountMinor: z.number().int() })).nullable(),
});
export type AccountSummaryOutput = z.infer<typeof accountSummaryOutput>;
