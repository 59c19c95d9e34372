/** What one item of a bulk operation came to, as the dashboard lists it. */
export interface BulkOutcome {
  locator: string;
  ok: boolean;
  /** Why it failed (the server's message), for a failed item. */
  message?: string;
}

/** The answer of one bulk call: per item. */
export interface BulkAnswer {
  items: ({ locator: string; ok: true } | { locator: string; ok: false; error: { message: string } })[];
}

/** Locators per call: each call is quick, and progress moves often. */
export const BULK_CHUNK = 100;

/** `items` in runs of `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Sends the locators a chunk at a time, one after the other; chunk i carries
 * the key `${operationKey}-${i}`, so running the same operation again (a retry
 * after a lost answer) answers the same per item instead of acting twice. A
 * call that fails as a whole marks its chunk's items failed with its message,
 * and the next chunks still run. `onProgress` hears every outcome so far.
 */
export async function runInChunks(
  locators: readonly string[],
  operationKey: string,
  send: (chunk: string[], idempotencyKey: string) => Promise<BulkAnswer>,
  onProgress: (outcomes: BulkOutcome[]) => void,
  size = BULK_CHUNK,
): Promise<BulkOutcome[]> {
  const outcomes: BulkOutcome[] = [];
  const parts = chunks(locators, size);
  for (const [i, part] of parts.entries()) {
    try {
      const answer = await send(part, `${operationKey}-${i}`);
      for (const item of answer.items) {
        outcomes.push(
          item.ok
            ? { locator: item.locator, ok: true }
            : { locator: item.locator, ok: false, message: item.error.message },
        );
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      for (const locator of part) outcomes.push({ locator, ok: false, message });
    }
    onProgress([...outcomes]);
  }
  return outcomes;
}
