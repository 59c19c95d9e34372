import { z } from "zod";
import { zScope, zText } from "./common-schemas.ts";

export const globalSearchInput = z.strictObject({
  ...zScope,
  /** Words as typed: trimmed, 1 to 100 characters. */
  q: zText(100).trim().min(1, { error: "must not be empty" }),
  limitPerGroup: z.number().int().min(1).max(10).default(5),
});
export type GlobalSearchInput = z.output<typeof globalSearchInput>;

/** One result: what it is (locator), what to call it (label) and a line of context (detail). */
export const searchHit = z.object({ locator: z.string(), label: z.string(), detail: z.string() });
export type SearchHit = z.infer<typeof searchHit>;

/** Grouped results; a group the caller may not read is empty. Invoices carry their subscription, whose page shows them. */
export const globalSearchOutput = z.object({
  accounts: z.array(searchHit),
  holds: z.array(searchHit),
  subscriptions: z.array(searchHit),
  invoices: z.array(searchHit.extend({ subscriptionLocator: z.string() })),
  automations: z.array(searchHit),
});
export type GlobalSearchOutput = z.infer<typeof globalSearchOutput>;
