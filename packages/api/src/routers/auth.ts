import { changePasswordInput, sessionOutput, setPasswordInput, signInInput } from "@holdfast/domain";
import { changePassword, listSessions, setPassword, signIn, signOut, signOutEverywhere } from "@holdfast/services";
import { z } from "zod";
import { deliverSession, dropSessionCookie } from "../session-cookie.ts";
import { authedProcedure, publicProcedure, router } from "../trpc.ts";

export const authRouter = router({
  /**
   * Dashboard sign-in, throttled per email and client address: opens a session. Its token is returned to use as a
   * bearer token or, with `cookie: true` (the dashboard), set in an HttpOnly session cookie and left out of the answer.
   */
  signIn: publicProcedure
    .input(signInInput.extend({ cookie: z.boolean().optional() }))
    .output(z.object({ token: z.string().optional(), expiresAt: z.string() }))
    .mutation(({ ctx, input: { cookie, ...credentials } }) =>
      deliverSession(ctx, cookie, () => signIn(ctx.acting, credentials)),
    ),
  signOut: authedProcedure
    .output(z.object({ ok: z.boolean() }))
    .mutation(({ ctx }) => dropSessionCookie(ctx, signOut(ctx.acting))),
  /** Redeems a one-time set-password link (the part after `#`). */
  setPassword: publicProcedure
    .input(setPasswordInput)
    .output(z.object({ ok: z.boolean(), email: z.string() }))
    .mutation(({ ctx, input }) => setPassword(ctx.acting, input)),
  /** The signed-in user's own password; their other sessions end. */
  changePassword: authedProcedure
    .input(changePasswordInput)
    .output(z.object({ ok: z.boolean(), endedSessions: z.number().int() }))
    .mutation(({ ctx, input }) => changePassword(ctx.acting, input)),
  /** The caller's own live sessions (an API token has none). */
  sessions: authedProcedure
    .output(z.array(sessionOutput))
    .query(({ ctx }) => listSessions(ctx.acting, { idleMs: ctx.sessionIdleMs })),
  /** Ends every session of the caller's user, this one included. */
  signOutEverywhere: authedProcedure
    .output(z.object({ ended: z.number().int() }))
    .mutation(({ ctx }) => dropSessionCookie(ctx, signOutEverywhere(ctx.acting))),
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
