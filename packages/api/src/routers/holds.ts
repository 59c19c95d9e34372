import {
  accountHoldListOutput,
  amendHoldInput,
  createHoldInput,
  getHoldInput,
  holdEffectInput,
  holdEffectOutput,
  holdOutput,
  holdPageOutput,
  listAccountHoldsInput,
  listHoldsInput,
  moveHoldInput,
  updateHoldInput,
} from "@holdfast/domain";
import * as holds from "@holdfast/services";
import { router, scopedProcedure } from "../trpc.ts";

const read = scopedProcedure("holds:read");
const list = scopedProcedure("holds:list");
const write = scopedProcedure("holds:write");

const move = (fn: typeof holds.validateHold) =>
  write
    .input(moveHoldInput)
    .output(holdOutput)
    .mutation(({ ctx, input }) => fn(ctx.service, { ...input, tenantId: ctx.tenantId }));

export const holdsRouter = router({
  create: write
    .input(createHoldInput)
    .output(holdOutput)
    .mutation(({ ctx, input }) => holds.createHold(ctx.service, { ...input, tenantId: ctx.tenantId })),
  update: write
    .input(updateHoldInput)
    .output(holdOutput)
    .mutation(({ ctx, input }) => holds.updateHold(ctx.service, { ...input, tenantId: ctx.tenantId })),
  validate: move(holds.validateHold),
  activate: move(holds.activateHold),
  release: move(holds.releaseHold),
  reset: move(holds.resetHold),
  discard: move(holds.discardHold),
  amend: write
    .input(amendHoldInput)
    .output(holdOutput)
    .mutation(({ ctx, input }) => holds.amendHold(ctx.service, { ...input, tenantId: ctx.tenantId })),
  get: read
    .input(getHoldInput)
    .output(holdOutput)
    .query(({ ctx, input }) => holds.getHold(ctx.db, ctx.clock, ctx.tenantId, input.locator)),
  listByAccount: list
    .input(listAccountHoldsInput)
    .output(accountHoldListOutput)
    .query(({ ctx, input }) => holds.listAccountHolds(ctx.db, ctx.clock, { ...input, tenantId: ctx.tenantId })),
  list: list
    .input(listHoldsInput)
    .output(holdPageOutput)
    .query(({ ctx, input }) => holds.listHolds(ctx.db, ctx.clock, { ...input, tenantId: ctx.tenantId })),
  /** Is this account held for this process on this date? */
  effect: read
    .input(holdEffectInput)
    .output(holdEffectOutput)
    .query(({ ctx, input }) => holds.getHoldEffect(ctx.db, ctx.clock, { ...input, tenantId: ctx.tenantId })),
});
