import type { Admission, RequestLimiter } from "@holdfast/compat";

/** Per key (a credential, or the client address of a request without one): a token bucket and a concurrency cap. */
export interface RateLimits {
  /** Requests per second, sustained (a tRPC batch counts each call). */
  perSecond: number;
  /** Requests that may come at once after a quiet spell (the bucket's size). */
  burst: number;
  /** Requests of one key in flight at once. */
  concurrency: number;
}

interface Bucket {
  tokens: number;
  at: number;
  inFlight: number;
}

/** Keys kept before idle ones (full bucket, nothing in flight) are dropped. */
const MAX_KEYS = 10_000;

/**
 * In-process rate and concurrency limits, one token bucket per key. Answers
 * carry the IETF draft's headers (draft-ietf-httpapi-ratelimit-headers):
 * `RateLimit-Policy: "default";q=<burst>;w=<seconds to refill it>` and
 * `RateLimit: "default";r=<remaining>;t=<seconds until full again>`, and a
 * refusal `Retry-After` (whole seconds). Limits hold per server process.
 */
export function createRequestLimiter(limits: RateLimits, now = () => performance.now()): RequestLimiter {
  const buckets = new Map<string, Bucket>();
  const window = Math.max(1, Math.ceil(limits.burst / limits.perSecond));
  const policy = `"default";q=${limits.burst};w=${window}`;

  const refill = (b: Bucket, t: number) => {
    b.tokens = Math.min(limits.burst, b.tokens + ((t - b.at) / 1000) * limits.perSecond);
    b.at = t;
  };

  const prune = (t: number) => {
    for (const [key, b] of buckets) {
      if (buckets.size <= MAX_KEYS / 2) return;
      refill(b, t);
      if (b.inFlight === 0 && b.tokens >= limits.burst) buckets.delete(key);
    }
    // Still too many (many keys busy at once): forget the idle ones, oldest first.
    for (const [key, b] of buckets) {
      if (buckets.size <= MAX_KEYS / 2) return;
      if (b.inFlight === 0) buckets.delete(key);
    }
  };

  return {
    admit(key: string, cost = 1): Admission {
      const t = now();
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= MAX_KEYS) prune(t);
        b = { tokens: limits.burst, at: t, inFlight: 0 };
        buckets.set(key, b);
      }
      refill(b, t);
      const bucket = b;
      const headers = (): Record<string, string> => ({
        "RateLimit-Policy": policy,
        RateLimit: `"default";r=${Math.floor(bucket.tokens)};t=${Math.ceil((limits.burst - bucket.tokens) / limits.perSecond)}`,
      });
      if (bucket.inFlight >= limits.concurrency) {
        return { ok: false, headers: { ...headers(), "Retry-After": "1" }, release: () => undefined };
      }
      if (bucket.tokens < cost) {
        const wait = Math.max(1, Math.ceil((cost - bucket.tokens) / limits.perSecond));
        return { ok: false, headers: { ...headers(), "Retry-After": String(wait) }, release: () => undefined };
      }
      bucket.tokens -= cost;
      bucket.inFlight++;
      let released = false;
      return {
        ok: true,
        headers: headers(),
        release: () => {
          if (released) return;
          released = true;
          bucket.inFlight--;
        },
      };
    },
  };
}
