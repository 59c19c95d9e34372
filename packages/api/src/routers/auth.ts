import { zText } from "@holdfast/domain";
import { signIn, signOut } from "@holdfast/services";
import { z } from "zod";
import { deliverSession, dropSessionCookie } from "../session-cookie.ts";
import { authedProcedure, publicProcedure, router } from "../trpc.ts";

export const authRouter = router({
  /**
   * Dashboard sign-in: opens a session. Its token is returned to use as a bearer token or, with `cookie: true`
   * (the dashboard), set in an HttpOnly session cookie and left out of the answer.
   */
  signIn: publicProcedure
    .input(z.strictObject({ email: zText(320).min(3), password: zText(200).min(1), cookie: z.boolean().optional() }))
    .output(z.object({ token: z.string().optional(), expiresAt: z.string() }))
    .mutation(({ ctx, input: { cookie, ...credentials } }) =>
      deliverSession(ctx, cookie, () => signIn(ctx.db, credentials, ctx.clock.now())),
    ),
  signOut: authedProcedure.output(z.object({ ok: z.boolean() })).mutation(async ({ ctx }) => {
    await signOut(ctx.db, ctx.principal.credentialId, ctx.clock.now());
    dropSessionCookie(ctx);
    return { ok: true };
  }),
  /** Who am I, and which tenants may I act on with which permissions. */
  me: authedProcedure
    .output(
      z.object({
        actor: z.object({ type: z.string(), id: z.string(), name: z.string() }),
        kind: z.enum(["api_token", "session"]),
        tenants: z.array(z.object({ tenantLocator: z.string(), name: z.string(), permissions: z.array(z.string()) })),
      }),
    )
    .query(({ ctx }) => ({
      actor: ctx.principal.actor,
      kind: ctx.principal.kind,
      tenants: ctx.principal.grants.map((g) => ({
        tenantLocator: g.tenantId,
        name: g.tenantName,
        permissions: g.permissions,
      })),
    })),
});
