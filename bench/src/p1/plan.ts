/**
 * Turns a captured move into a replayable plan: the same statements, in the
 * same order, with each parameter either a constant of the run or a slot
 * filled per move (the hold, its account, fresh audit and event ids, the request id,
 * the current time). The pgbench script and the bare handler are both
 * written from this plan, so their SQL is the API's SQL by construction.
 */
import type { Capture } from "./capture.ts";

export type Slot = "hold" | "account" | "audit" | "event" | "request" | "now" | "tokenHash";

export type ParamSpec =
  | { kind: "const"; value: string | null }
  | { kind: "slot"; slot: Slot }
  /** A text (the audit's JSON documents) in which the hold and account ids are replaced per move. */
  | { kind: "template"; value: string }
  /** An array parameter (`= any($1)`), element by element. */
  | { kind: "array"; items: ScalarSpec[] };

export type ScalarSpec = Exclude<ParamSpec, { kind: "array" }>;

export interface PlanStatement {
  text: string;
  params: ParamSpec[];
}

export interface MovePlan {
  statements: PlanStatement[];
  /** Statements before this index run on any pooled connection (authentication); the rest is the transaction. */
  transactionStart: number;
  /** The captured values the slots stand for. */
  captured: { hold: string; account: string; audit: string; event: string; request: string; tokenHash: string };
}

const ISO_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

export function planFromCapture(
  capture: Capture,
  known: { hold: string; account: string; tokenHash: string },
): MovePlan {
  const captured = { ...known, audit: capture.auditId, event: capture.eventId, request: capture.requestId };
  const bySlot = new Map<string, Slot>([
    [captured.hold, "hold"],
    [captured.account, "account"],
    [captured.audit, "audit"],
    [captured.event, "event"],
    [captured.request, "request"],
    [captured.tokenHash, "tokenHash"],
  ]);
  const scalar = (p: string | null): ScalarSpec => {
    if (p === null) return { kind: "const", value: null };
    const slot = bySlot.get(p);
    if (slot) return { kind: "slot", slot };
    if (ISO_INSTANT.test(p)) return { kind: "slot", slot: "now" };
    if (p.includes(captured.hold) || p.includes(captured.account)) return { kind: "template", value: p };
    return { kind: "const", value: p };
  };
  const connections = new Set(capture.statements.map((s) => s.connection));
  if (capture.statements.length === 0) throw new Error("nothing captured");
  const statements = capture.statements.map(
    (s): PlanStatement => ({
      text: s.text,
      params: s.params.map((p): ParamSpec => (Array.isArray(p) ? { kind: "array", items: p.map(scalar) } : scalar(p))),
    }),
  );
  const transactionStart = statements.findIndex((s) => /^begin\b/i.test(s.text.trim()));
  if (transactionStart < 0) throw new Error("the captured move has no transaction");
  // All on one connection is expected (auth, then the transaction); more is fine but worth knowing.
  if (connections.size > 2) throw new Error(`the move used ${connections.size} connections`);
  return { statements, transactionStart, captured };
}

/** The values of one move, for filling slots. */
export interface MoveValues {
  hold: string;
  account: string;
  audit: string;
  event: string;
  request: string;
  now: string;
  tokenHash: string;
}

export function fillParams(plan: MovePlan, st: PlanStatement, v: MoveValues): (string | null | (string | null)[])[] {
  const fill = (p: ScalarSpec): string | null => {
    if (p.kind === "const") return p.value;
    if (p.kind === "slot") return v[p.slot];
    return p.value.replaceAll(plan.captured.hold, v.hold).replaceAll(plan.captured.account, v.account);
  };
  return st.params.map((p) => (p.kind === "array" ? p.items.map(fill) : fill(p)));
}

/** The statements with their parameters, for the report. */
export function describePlan(plan: MovePlan): string {
  return plan.statements
    .map((s, i) => {
      const one = (p: ScalarSpec): string =>
        p.kind === "slot"
          ? `<${p.slot}>`
          : p.kind === "template"
            ? `<json ${p.value.length} chars with the hold and account ids>`
            : p.value === null
              ? "null"
              : JSON.stringify(p.value.length > 60 ? `${p.value.slice(0, 57)}...` : p.value);
      const params = s.params.map(
        (p, j) => `$${j + 1}=${p.kind === "array" ? `array[${p.items.map(one).join(", ")}]` : one(p)}`,
      );
      return `${String(i + 1).padStart(2)}. ${s.text}${params.length ? `\n      -- ${params.join(", ")}` : ""}`;
    })
    .join("\n");
}
