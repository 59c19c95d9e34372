import { randomBytes, randomUUID } from "node:crypto";
import { monotonicFactory } from "ulid";

/*
 * The ULIDs' randomness, from the system's CSPRNG, 4 KiB at a time: ulid's own
 * source asks crypto for one byte per character (16 calls per id). A byte / 256
 * times 32 picks each of the 32 characters with the same probability.
 */
let pool = Buffer.alloc(0);
let next = 0;
function pooledRandom(): number {
  if (next >= pool.length) {
    pool = randomBytes(4096);
    next = 0;
  }
  return (pool[next++] as number) / 256;
}

const ulid = monotonicFactory(pooledRandom);

/** A new ULID locator (time-ordered, so keyset paging by locator follows creation order). */
export function newLocator(): string {
  return ulid();
}

export function newTenantLocator(): string {
  return randomUUID();
}
