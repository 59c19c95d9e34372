/**
 * Sign-in throttling: failed sign-ins count per key (`email:<address>` and
 * `ip:<address>`). A key's first failures are free; from its limit on, each
 * failure blocks the key for twice as long as the one before (1 s, 2 s,
 * 4 s, …), at most 15 minutes. A run of failures is forgotten an hour after
 * its last failure, and an email's on a successful sign-in.
 */
export const SIGN_IN_FREE_FAILURES = { email: 5, ip: 20 } as const;
export const SIGN_IN_MAX_BLOCK_MS = 15 * 60 * 1000;
export const SIGN_IN_FAILURE_MEMORY_MS = 60 * 60 * 1000;

export type ThrottleKind = keyof typeof SIGN_IN_FREE_FAILURES;

export function throttleKey(kind: ThrottleKind, value: string): string {
  return `${kind}:${kind === "email" ? value.toLowerCase() : value}`;
}

/** How long a key is blocked after its `failures`-th failure in a run (0: not blocked). */
export function signInBlockMs(kind: ThrottleKind, failures: number): number {
  const over = failures - SIGN_IN_FREE_FAILURES[kind];
  if (over < 0) return 0;
  return Math.min(1000 * 2 ** Math.min(over, 30), SIGN_IN_MAX_BLOCK_MS);
}

/** Whole seconds until `until`, at least 1 (the `Retry-After` value). */
export function retryAfterSeconds(until: Date, now: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
}
