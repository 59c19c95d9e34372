import {
  accountHoldListOutput,
  amendHoldInput,
  createHoldInput,
  finalMoveHoldInput,
  getHoldInput,
  holdEffectInput,
  holdEffectOutput,
  holdOutput,
  holdPageOutput,
  listAccountHoldsInput,
  listHoldsInput,
  moveHoldInput,
  releaseHoldsInput,
  releaseHoldsOutput,
  updateHoldInput,
} from "@holdfast/domain";
import {
  activateHold,
  amendHold,
  createHold,
  discardHold,
  getHold,
  getHoldEffect,
  listAccountHolds,
  listHolds,
  releaseHold,
  releaseHolds,
  resetHold,
  updateHold,
  validateHold,
} from "@holdfast/services";
import { router, scopedProcedure } from "../trpc.ts";

const read = scopedProcedure("holds:read");
const list = scopedProcedure("holds:list");
const write = scopedProcedure("holds:write");

const move = (fn: typeof validateHold) =>
  write
    .input(moveHoldInput)
    .output(holdOutput)
    .mutation(({ ctx, input }) => fn(ctx.service, input));

export const holdsRouter = router({
  create: write
    .input(createHoldInput)
    .output(holdOutput)
    .mutation(({ ctx, input }) => createHold(ctx.service, input)),
  update: write
    .input(updateHoldInput)
    .output(holdOutput)
    .mutation(({ ctx, input }) => updateHold(ctx.service, input)),
  validate: move(validateHold),
  activate: move(activateHold),
  release: write
    .input(finalMoveHoldInput)
    .output(holdOutput)
    .mutation(({ ctx, input }) => releaseHold(ctx.service, input)),
  reset: move(resetHold),
  discard: write
    .input(finalMoveHoldInput)
    .output(holdOutput)
    .mutation(({ ctx, input }) => discardHold(ctx.service, input)),
  amend: write
    .input(amendHoldInput)
    .output(holdOutput)
    .mutation(({ ctx, input }) => amendHold(ctx.service, input)),
  get: read
    .input(getHoldInput)
    .output(holdOutput)
    .query(({ ctx, input }) => getHold(ctx.service, input)),
  listByAccount: list
    .input(listAccountHoldsInput)
    .output(accountHoldListOutput)
    .query(({ ctx, input }) => listAccountHolds(ctx.service, input)),
  list: list
    .input(listHoldsInput)
    .output(holdPageOutput)
    .query(({ ctx, input }) => listHolds(ctx.service, input)),
  /** Releases many holds with one reason (by locators, or a list filter's matches, at most 500); answers per item. */
  releaseMany: write
    .input(releaseHoldsInput)
    .output(releaseHoldsOutput)
    .mutation(({ ctx, input }) => releaseHolds(ctx.service, input)),
  /** Is this account held for this process on this date? */
  effect: read
    .input(holdEffectInput)
    .output(holdEffectOutput)
    .query(({ ctx, input }) => getHoldEffect(ctx.service, input)),
});
