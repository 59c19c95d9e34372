import {
  createdTokenOutput,
  createTokenInput,
  listTokensInput,
  revokeTokenInput,
  rolledTokenOutput,
  rollTokenInput,
  tokenOutput,
  tokenPageOutput,
} from "@holdfast/domain";
import { createToken, listTokens, revokeToken, rollToken, type TokenAdminContext } from "@holdfast/services";
import { router, scopedProcedure } from "../trpc.ts";

/** Admin in the scoped tenant; the use cases also see every grant the caller holds (a token never grants more). */
const tokenAdmin = scopedProcedure("admin").use(({ ctx, next }) => {
  const service: TokenAdminContext = { ...ctx.service, grants: ctx.principal.grants };
  return next({ ctx: { ...ctx, service } });
});

export const tokensRouter = router({
  /** A new API token; the answer carries its secret, shown this once. */
  create: tokenAdmin
    .input(createTokenInput)
    .output(createdTokenOutput)
    .mutation(({ ctx, input }) => createToken(ctx.service, input)),
  /** The tokens with a grant in the tenant, newest first: never a secret or hash. */
  list: tokenAdmin
    .input(listTokensInput)
    .output(tokenPageOutput)
    .query(({ ctx, input }) => listTokens(ctx.service, input)),
  revoke: tokenAdmin
    .input(revokeTokenInput)
    .output(tokenOutput)
    .mutation(({ ctx, input }) => revokeToken(ctx.service, input)),
  /** A new secret; the old one works until `overlapUntil`, then stops. */
  roll: tokenAdmin
    .input(rollTokenInput)
    .output(rolledTokenOutput)
    .mutation(({ ctx, input }) => rollToken(ctx.service, input)),
});
