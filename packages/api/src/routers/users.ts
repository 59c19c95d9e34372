import {
  passwordLinkOutput,
  userCreatedOutput,
  userOutput,
  usersCreateInput,
  usersListInput,
  usersLocatorInput,
  usersUpdateInput,
} from "@holdfast/domain";
import { createTenantUser, disableUser, listUsers, resetUserLink, updateUser } from "@holdfast/services";
import { z } from "zod";
import { router, scopedProcedure } from "../trpc.ts";

/** The tenant's dashboard users: admins only. */
export const usersRouter = router({
  list: scopedProcedure("admin")
    .input(usersListInput)
    .output(z.object({ items: z.array(userOutput), nextCursor: z.string().nullable() }))
    .query(({ ctx, input }) => listUsers(ctx.service, input)),
  /** A new user gets a one-time set-password link: its secret is shown this once. */
  create: scopedProcedure("admin")
    .input(usersCreateInput)
    .output(userCreatedOutput)
    .mutation(({ ctx, input }) => createTenantUser(ctx.service, input)),
  update: scopedProcedure("admin")
    .input(usersUpdateInput)
    .output(userOutput)
    .mutation(({ ctx, input }) => updateUser(ctx.service, input)),
  /** The user can no longer sign in; their sessions end at once. */
  disable: scopedProcedure("admin")
    .input(usersLocatorInput)
    .output(userOutput)
    .mutation(({ ctx, input }) => disableUser(ctx.service, input)),
  /** A new set-password link; earlier unused ones stop working. */
  resetLink: scopedProcedure("admin")
    .input(usersLocatorInput)
    .output(passwordLinkOutput)
    .mutation(({ ctx, input }) => resetUserLink(ctx.service, input)),
});
