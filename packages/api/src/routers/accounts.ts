import { zLocator, zMutation, zScope, zText, zVersion } from "@holdfast/domain";
import { closeAccount, createAccount, listAccounts, reopenAccount } from "@holdfast/services";
import { z } from "zod";
import { router, scopedProcedure } from "../trpc.ts";

const accountOutput = z.object({
  locator: z.string(),
  tenantLocator: z.string(),
  name: z.string(),
  status: z.enum(["open", "closed"]),
  externalId: z.string().nullable(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const accountsRouter = router({
  list: scopedProcedure("holds:list")
    .input(
      z.strictObject({
        ...zScope,
        cursor: zLocator.nullish(),
        direction: z.enum(["forward", "backward"]).optional(),
        limit: z.number().int().min(1).max(500).default(100),
      }),
    )
    .output(z.object({ items: z.array(accountOutput), nextCursor: z.string().nullable() }))
    .query(({ ctx, input }) => listAccounts(ctx.service, input)),
  create: scopedProcedure("admin")
    .input(z.strictObject({ ...zMutation, name: zText(200).min(1), externalId: zText(120).min(1).nullish() }))
    .output(accountOutput)
    .mutation(({ ctx, input }) => createAccount(ctx.service, input)),
  close: scopedProcedure("admin")
    .input(z.strictObject({ ...zMutation, locator: zLocator, expectedVersion: zVersion.optional() }))
    .output(accountOutput)
    .mutation(({ ctx, input }) => closeAccount(ctx.service, input)),
  reopen: scopedProcedure("admin")
    .input(z.strictObject({ ...zMutation, locator: zLocator, expectedVersion: zVersion.optional() }))
    .output(accountOutput)
    .mutation(({ ctx, input }) => reopenAccount(ctx.service, input)),
});
