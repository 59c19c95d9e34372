import {
  accountOutput,
  accountSummaryOutput,
  createAccountInput,
  getAccountInput,
  listAccountsInput,
  moveAccountInput,
} from "@holdfast/domain";
import { closeAccount, createAccount, getAccountSummary, listAccounts, reopenAccount } from "@holdfast/services";
import { z } from "zod";
import { router, scopedProcedure } from "../trpc.ts";

export const accountsRouter = router({
  /** Search (name contains, external id prefix), held today for a process, sorted by a column, keyset-paged. */
  list: scopedProcedure("holds:list")
    .input(listAccountsInput)
    .output(z.object({ items: z.array(accountOutput), nextCursor: z.string().nullable() }))
    .query(({ ctx, input }) => listAccounts(ctx.service, input)),
  /** An account's page, by locator or external id: held today, holds, subscriptions, open invoices and balance. */
  get: scopedProcedure("holds:list")
    .input(getAccountInput)
    .output(accountSummaryOutput)
    .query(({ ctx, input }) => getAccountSummary(ctx.service, input)),
  create: scopedProcedure("admin")
    .input(createAccountInput)
    .output(accountOutput)
    .mutation(({ ctx, input }) => createAccount(ctx.service, input)),
  close: scopedProcedure("admin")
    .input(moveAccountInput)
    .output(accountOutput)
    .mutation(({ ctx, input }) => closeAccount(ctx.service, input)),
  reopen: scopedProcedure("admin")
    .input(moveAccountInput)
    .output(accountOutput)
    .mutation(({ ctx, input }) => reopenAccount(ctx.service, input)),
});
