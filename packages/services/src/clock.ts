/** The one injectable clock. Every "today" decision goes through it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(at: Date | string): Clock & { set(at: Date | string): void; advanceDays(n: number): void } {
  let current = new Date(at);
  return {
    now: () => new Date(current),
    set: (next) => {
      current = new Date(next);
    },
    advanceDays: (n) => {
      current = new Date(current.getTime() + n * 86_400_000);
    },
  };
}

/** Parses HOLDFAST_NOW-style values: an ISO instant freezes time; empty means the system clock. */
export function clockFromEnv(value: string | undefined): Clock {
  if (!value) return systemClock;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw new Error(`HOLDFAST_NOW must be an ISO instant, got "${value}"`);
  return fixedClock(at);
}
