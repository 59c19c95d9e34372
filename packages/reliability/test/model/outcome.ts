import { isAppError } from "@holdfast/domain";
import { TRPCError } from "@trpc/server";

/**
 * What a call through the router answered: its value, or the refusal as the
 * tRPC code (what HTTP clients see) and the application code behind it (the
 * one vocabulary of `@holdfast/domain`), with the rules of its field issues.
 */
export type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; trpcCode: TRPCError["code"]; appCode: string; rules: string[]; message: string };

/** What a model predicts for a call: it applies, or it is refused with these codes. */
export type Prediction = { ok: true } | { ok: false; trpcCode: TRPCError["code"]; appCode: string; rules?: string[] };

export async function attempt<T>(call: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call };
  } catch (e) {
    // Anything but a TRPCError (a crash inside the test, a driver error) is not an answer: rethrow it.
    if (!(e instanceof TRPCError)) throw e;
    const cause = e.cause;
    const appCode = isAppError(cause) ? cause.code : e.code === "BAD_REQUEST" ? "INPUT" : "UNKNOWN";
    const rules = isAppError(cause) ? [...new Set(cause.issues.map((i) => i.rule))].sort() : [];
    return { ok: false, trpcCode: e.code, appCode, rules, message: e.message };
  }
}

/** A short description of an outcome for assertion messages. */
export function describeOutcome(o: Outcome<unknown>): string {
  return o.ok ? "applied" : `${o.trpcCode}/${o.appCode} [${o.rules.join(",")}] ${o.message}`;
}

export function describePrediction(p: Prediction): string {
  return p.ok ? "applied" : `${p.trpcCode}/${p.appCode}${p.rules ? ` [${p.rules.join(",")}]` : ""}`;
}

/** Compares an outcome with a prediction; returns a reason when they differ, null when they agree. */
export function mismatch(o: Outcome<unknown>, p: Prediction): string | null {
  if (o.ok !== p.ok) return `expected ${describePrediction(p)}, got ${describeOutcome(o)}`;
  if (o.ok || p.ok) return null;
  if (o.trpcCode !== p.trpcCode || o.appCode !== p.appCode) {
    return `expected ${describePrediction(p)}, got ${describeOutcome(o)}`;
  }
  if (p.rules && p.rules.join(",") !== o.rules.join(",")) {
    return `expected rules [${p.rules.join(",")}], got ${describeOutcome(o)}`;
  }
  return null;
}

/** Business-date arithmetic for models, written here so the models do not borrow the product's code. */
export function plusDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

export function daysFrom(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Calendar months later, clamped to the last day of the month (Jan 31 + 1 = Feb 28/29). */
export function plusMonths(date: string, months: number): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const day = Math.min(d, last);
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/**
 * The fast-check seed of a model run: fixed by default, so CI replays the same command sequences and the
 * coverage checks (every rule and refusal was reached) cannot flake; MODEL_SEED=<n> replays a run,
 * MODEL_SEED=random explores new sequences (the seed is printed either way).
 */
export function modelSeed(fixed: number): number {
  const env = process.env.MODEL_SEED;
  const seed =
    env === "random" ? Math.floor(Math.random() * 2 ** 31) : env !== undefined && env !== "" ? Number(env) : fixed;
  console.log(`model seed: ${seed} (MODEL_SEED=${seed} replays it)`);
  return seed;
}
