import { type DatabaseOrTransaction, schema } from "@holdfast/db";
import {
  AppError,
  retryAfterSeconds,
  SIGN_IN_FAILURE_MEMORY_MS,
  signInBlockMs,
  type ThrottleKind,
  throttleKey,
} from "@holdfast/domain";
import { eq, inArray, sql } from "drizzle-orm";

/** The throttle keys of a sign-in: its email, and its client address when known. */
export function signInKeys(email: string, clientIp: string | null | undefined) {
  const keys: { kind: ThrottleKind; key: string }[] = [{ kind: "email", key: throttleKey("email", email) }];
  if (clientIp) keys.push({ kind: "ip", key: throttleKey("ip", clientIp) });
  return keys;
}

/** Refuses (TOO_MANY_REQUESTS, with `retryAfterSeconds`) while any of the keys is blocked. */
export async function assertNotThrottled(db: DatabaseOrTransaction, keys: readonly string[], now: Date) {
  const rows = await db
    .select({ blockedUntil: schema.signInThrottles.blockedUntil })
    .from(schema.signInThrottles)
    .where(inArray(schema.signInThrottles.key, [...keys]));
  const until = rows.reduce<Date | null>(
    (latest, r) =>
      r.blockedUntil && r.blockedUntil > now && (!latest || r.blockedUntil > latest) ? r.blockedUntil : latest,
    null,
  );
  if (until) {
    const wait = retryAfterSeconds(until, now);
    throw AppError.tooManyRequests(`too many failed sign-ins; try again in ${wait} s`, wait);
  }
}

/**
 * Counts one failed sign-in on each key (atomically, so failures that cross
 * are all counted) and blocks the keys that reached their limit.
 */
export async function recordSignInFailure(
  db: DatabaseOrTransaction,
  keys: readonly { kind: ThrottleKind; key: string }[],
  now: Date,
) {
  const t = schema.signInThrottles;
  const forgetBefore = new Date(now.getTime() - SIGN_IN_FAILURE_MEMORY_MS);
  for (const { kind, key } of keys) {
    const [row] = await db
      .insert(t)
      .values({ key, failures: 1, lastFailureAt: now })
      .onConflictDoUpdate({
        target: t.key,
        set: {
          failures: sql`case when ${t.lastFailureAt} <= ${forgetBefore.toISOString()}::timestamptz then 1 else ${t.failures} + 1 end`,
          lastFailureAt: now,
        },
      })
      .returning({ failures: t.failures });
    const blockMs = signInBlockMs(kind, row?.failures ?? 1);
    if (blockMs > 0) {
      const until = new Date(now.getTime() + blockMs);
      await db
        .update(t)
        .set({
          blockedUntil: sql`greatest(coalesce(${t.blockedUntil}, ${until.toISOString()}::timestamptz), ${until.toISOString()}::timestamptz)`,
        })
        .where(eq(t.key, key));
    }
  }
}

/** A successful sign-in forgets its email's failures (its address's run goes on: one account must not clear a spray). */
export async function clearSignInFailures(db: DatabaseOrTransaction, email: string) {
  await db.delete(schema.signInThrottles).where(eq(schema.signInThrottles.key, throttleKey("email", email)));
}
