/**
 * Races (issue 6), against the real router, the real HTTP server, the real
 * worker (in process and as a separate process) and a real PostgreSQL.
 *
 * 1. 50 concurrent clients (50 tokens) moving ONE hold at once, through
 *    in-process callers and over real HTTP with the product's client:
 *    50 × activate, 50 × release, and mixed release / amend / discard, each
 *    with and without expectedVersion, over several rounds (a new hold each).
 *    Proves for every round: the number of moves that apply is exactly what
 *    the state machine allows (one, or a run of amends optionally closed by a
 *    release when nobody names a version); every other client gets CONFLICT
 *    with the precise application code its position in the race explains
 *    (INVALID_TRANSITION naming a state the hold really reached,
 *    VERSION_CONFLICT naming a version the hold really reached,
 *    HOLD_NOT_ACTIVE after a release, CONCURRENT_MODIFICATION only when
 *    another move applied); the version goes up by exactly the number of
 *    applied moves; the audit trail (the audit_events table and
 *    audit.history) holds exactly one event per applied move, in version
 *    order, each made by the client and request that got the success, its
 *    `after` equal to that client's answer and its `before` equal to the
 *    previous event's `after`; the hold's claims match its final state.
 * 2. An API release racing the worker's end-date release of the same holds
 *    (30 holds per round, launched together with small random offsets):
 *    - the API's clock just before midnight of the end date (release still
 *      allowed) and the worker's just after (the end date has passed), so
 *      either may win; the worker as the real runTick in process, and as a
 *      real `apps/worker/src/main.ts --once --now …` process;
 *    - both clocks past the end date: the worker must win every hold, and the
 *      API is refused with HOLD_ENDED (or INVALID_TRANSITION / VERSION_CONFLICT
 *      once the worker has released it).
 *    Proves for every hold: exactly one release applied (API or worker), the
 *    hold ends released with version + 1 and no claims, exactly one release
 *    audit event by the winner (actor and request id), the API's answer
 *    (success or the precise refusal) agrees with who won, and the worker's
 *    tick counts (returned, and recorded in worker_ticks) equal the number of
 *    holds the worker released.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { type Hold, setupWorld } from "@holdfast/api/testing";
import { fixedClock, runTick } from "@holdfast/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuditRow, auditOf, holdRow, prng } from "./races/audit.ts";
import {
  attempt,
  makeClients,
  type Outcome,
  type RaceClient,
  sleep,
  startHttpServer,
  type TransportKind,
} from "./races/transport.ts";

const w = setupWorld({ tenantName: "Race tenant" });

// ---------------------------------------------------------------------------------------------
// 1. 50 clients moving one hold

const CLIENTS = 50;
/** Rounds per scenario: a new hold each round, to give the races a chance. */
const ROUNDS: Record<TransportKind, number> = { caller: 8, http: 4 };

type Move = "activate" | "release" | "amend" | "discard";

interface Scenario {
  name: string;
  start: "validated" | "active";
  withVersion: boolean;
  moveOf(client: number): Move;
  /**
   * A head start for some moves, in ms. A release has fewer reads before its write than an amend (which checks
   * every rule again), so launched together the release nearly always wins; delaying the releases a little
   * lets amends win some rounds (and, without versions, apply several times before a release ends the run).
   */
  delayOf?(move: Move, random: () => number): number;
}

const mixed = (i: number): Move => (["release", "amend", "discard"] as const)[i % 3] ?? "release";
const releasesLater = (move: Move, random: () => number) => (move === "release" ? Math.floor(random() * 25) : 0);
const SCENARIOS: Scenario[] = [
  { name: "activate a validated hold", start: "validated", withVersion: false, moveOf: () => "activate" },
  { name: "activate a validated hold", start: "validated", withVersion: true, moveOf: () => "activate" },
  { name: "release an active hold", start: "active", withVersion: false, moveOf: () => "release" },
  { name: "release an active hold", start: "active", withVersion: true, moveOf: () => "release" },
  {
    name: "release / amend / discard one active hold",
    start: "active",
    withVersion: true,
    moveOf: mixed,
    delayOf: releasesLater,
  },
  {
    name: "release / amend / discard one active hold",
    start: "active",
    withVersion: false,
    moveOf: mixed,
    delayOf: releasesLater,
  },
];

/** The application codes a client that lost the race may get, by move and whether it named a version. */
function refusalsFor(move: Move, withVersion: boolean): string[] {
  if (withVersion) {
    // The version is checked first: a client that read after a commit sees a newer version; one that read
    // before it passes every check and is stopped by the version predicate of the write.
    return move === "discard"
      ? ["VERSION_CONFLICT", "INVALID_TRANSITION"]
      : ["VERSION_CONFLICT", "CONCURRENT_MODIFICATION"];
  }
  if (move === "discard") return ["INVALID_TRANSITION"]; // never allowed from active (nor from released)
  if (move === "amend") return ["HOLD_NOT_ACTIVE", "CONCURRENT_MODIFICATION"];
  return ["INVALID_TRANSITION", "CONCURRENT_MODIFICATION"];
}

const HOLD_NOT_ACTIVE_MESSAGE = "The hold request is not in the active status.";

function inputFor(move: Move, hold: Hold, withVersion: boolean, tag: string) {
  const base = { locator: hold.locator, ...(withVersion ? { expectedVersion: hold.version } : {}) };
  if (move !== "amend") return base;
  return {
    ...base,
    comments: `amended by ${tag}`,
    characteristics: [{ action: "Update" as const, type: "by", value: tag }],
  };
}

/** Checks one round's outcomes and the database against the invariants listed at the top. */
async function checkRound(opts: {
  scenario: Scenario;
  hold: Hold;
  clients: RaceClient[];
  outcomes: Outcome[];
  setupEvents: AuditRow[];
  label: string;
}) {
  const { scenario, hold, clients, outcomes, setupEvents, label } = opts;
  const v0 = hold.version;
  const moveOf = (o: Outcome) => scenario.moveOf(o.client);
  const applied = outcomes
    .filter((o): o is Extract<Outcome, { ok: true }> => o.ok)
    .map((o) => ({ ...o, hold: o.value as Hold }))
    .sort((a, b) => a.hold.version - b.hold.version);

  // How many moves apply.
  const appliedMoves = applied.map(moveOf);
  if (scenario.withVersion || !appliedMoves.includes("amend")) {
    expect(appliedMoves, `${label}: exactly one move applies`).toHaveLength(1);
  }
  expect(appliedMoves.length, label).toBeGreaterThanOrEqual(1);
  expect(appliedMoves, `${label}: discard is never allowed from active`).not.toContain("discard");
  // Without versions, amends may apply one after another; a release ends the run.
  expect(
    appliedMoves.slice(0, -1).every((m) => m === "amend"),
    `${label}: ${appliedMoves.join(",")}`,
  ).toBe(true);
  expect(
    applied.map((a) => a.hold.version),
    `${label}: versions step by one`,
  ).toEqual(applied.map((_, k) => v0 + k + 1));

  // Every refusal is CONFLICT with the precise reason.
  const statesSeen = [scenario.start, ...applied.map((a) => a.hold.holdState)];
  const vFinal = v0 + applied.length;
  for (const o of outcomes) {
    if (o.ok) continue;
    const move = moveOf(o);
    const why = `${label}: client ${o.client} (${move}) got ${o.error.appCode}: ${o.error.message}`;
    expect(o.error.code, why).toBe("CONFLICT");
    expect(refusalsFor(move, scenario.withVersion), why).toContain(o.error.appCode);
    switch (o.error.appCode) {
      case "INVALID_TRANSITION": {
        const state = String(o.error.details.state);
        expect(statesSeen, why).toContain(state);
        expect(o.error.details.allowedMoves as string[], why).not.toContain(move);
        expect(o.error.message, why).toContain(`Cannot ${move} a hold in state ${state}`);
        break;
      }
      case "VERSION_CONFLICT": {
        const current = Number(o.error.details.currentVersion);
        expect(current, why).toBeGreaterThan(v0);
        expect(current, why).toBeLessThanOrEqual(vFinal);
        expect(o.error.message, why).toContain(`not the expected ${v0}`);
        break;
      }
      case "HOLD_NOT_ACTIVE":
        expect(o.error.message, why).toBe(HOLD_NOT_ACTIVE_MESSAGE);
        expect(o.error.details.state, why).toBe("released");
        expect(appliedMoves, why).toContain("release");
        break;
      case "CONCURRENT_MODIFICATION":
        // Only another client's applied move can have changed the row under this one.
        expect(
          applied.some((a) => a.client !== o.client),
          why,
        ).toBe(true);
        break;
    }
  }

  // The hold as stored: version + number applied, the last answer, claims matching the state.
  const last = applied.at(-1)?.hold as Hold;
  const row = await holdRow(w.db, hold.locator);
  expect(row.version, label).toBe(vFinal);
  expect(row.state, label).toBe(last.holdState);
  expect(await w.api.holds.get({ locator: hold.locator }), label).toEqual(last);
  expect(row.claims, label).toEqual(last.holdState === "active" ? ["invoicing"] : []);

  // The audit trail: exactly the applied moves, in order, by the clients and requests that got the answers.
  const events = await auditOf(w.db, hold.locator);
  expect(
    events.slice(0, setupEvents.length).map((e) => e.id),
    label,
  ).toEqual(setupEvents.map((e) => e.id));
  const raced = events.slice(setupEvents.length);
  expect(
    raced.map((e) => e.action),
    `${label}: one audit event per applied move`,
  ).toEqual(appliedMoves);
  let previousAfter = setupEvents.at(-1)?.after;
  for (const [k, e] of raced.entries()) {
    const a = applied[k];
    if (!a) throw new Error("unreachable");
    expect(e.actorType, label).toBe("token");
    expect(e.actorId, `${label}: event ${k} made by the client that got the success`).toBe(
      clients[a.client]?.credentialId,
    );
    expect(e.requestId, label).toBe(a.requestId);
    expect(e.before, `${label}: event ${k} starts where the previous one ended`).toEqual(previousAfter);
    expect(e.after, `${label}: event ${k} records what its client was answered`).toEqual(a.hold);
    expect(e.after?.version, label).toBe(v0 + k + 1);
    previousAfter = e.after;
  }
  const history = await w.api.audit.history({ entityType: "hold", entityId: hold.locator });
  expect(
    history.map((e) => [e.id, e.action, e.requestId]),
    `${label}: audit.history lists the same events`,
  ).toEqual(events.map((e) => [e.id, e.action, e.requestId]));
  return appliedMoves;
}

describe.each<TransportKind>(["caller", "http"])("50 concurrent clients moving one hold (%s)", (kind) => {
  let clients: RaceClient[];
  let closeServer: (() => Promise<void>) | undefined;
  /** What applied per scenario, over all rounds (printed at the end). */
  const tally: string[] = [];

  beforeAll(async () => {
    let url: string | undefined;
    if (kind === "http") {
      const server = await startHttpServer(w.db, w.clock);
      url = server.url;
      closeServer = server.close;
    }
    clients = await makeClients({ kind, db: w.db, clock: w.clock, tenantId: w.tenantId, n: CLIENTS, url });
  });
  afterAll(async () => {
    await closeServer?.();
    console.log(`[races] 50 clients over ${kind}: moves applied per round\n  ${tally.join("\n  ")}`);
  });

  for (const scenario of SCENARIOS) {
    const title = `${scenario.name}, ${scenario.withVersion ? "all naming the same expectedVersion" : "without expectedVersion"}`;
    it(`${title}: the allowed moves apply, every other client gets the precise CONFLICT, the audit trail shows exactly the applied moves`, async () => {
      const applied: string[] = [];
      for (let round = 0; round < ROUNDS[kind]; round++) {
        const accountLocator = await w.newAccount(`race ${kind} ${round}`);
        let hold = await w.api.holds.create({
          accountLocator,
          targets: [{ process: "invoicing" }],
          endDate: "2027-12-31",
        });
        hold = await w.api.holds.validate({ locator: hold.locator });
        expect(hold.holdState).toBe("validated");
        if (scenario.start === "active") hold = await w.api.holds.activate({ locator: hold.locator });
        const setupEvents = await auditOf(w.db, hold.locator);
        const started = hold;

        // Launch in a shuffled order, so any kind of move may reach the database first.
        const random = prng(round * 1000 + SCENARIOS.indexOf(scenario));
        const order = clients
          .map((c) => ({ c, key: random() }))
          .sort((a, b) => a.key - b.key)
          .map(({ c }) => c);
        const outcomes = await Promise.all(
          order.map((c) => {
            const move = scenario.moveOf(c.index);
            const requestId = `${kind}-r${round}-c${c.index}-${move}`;
            const input = inputFor(move, started, scenario.withVersion, requestId);
            const delay = scenario.delayOf?.(move, random) ?? 0;
            return attempt(c.index, requestId, async () => {
              if (delay > 0) await sleep(delay);
              return c.mutate(`holds.${move}`, input, requestId);
            });
          }),
        );
        const moves = await checkRound({
          scenario,
          hold: started,
          clients,
          outcomes,
          setupEvents,
          label: `${title}, round ${round}`,
        });
        const refusals = new Map<string, number>();
        for (const o of outcomes) if (!o.ok) refusals.set(o.error.appCode, (refusals.get(o.error.appCode) ?? 0) + 1);
        applied.push(`${moves.join("+")} (${[...refusals].map(([code, n]) => `${n} ${code}`).join(", ")})`);
      }
      tally.push(`${title}: ${applied.join(" | ")}`);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// 2. An API release racing the worker's end-date release

const WORKER_DIR = fileURLToPath(new URL("../../../apps/worker/", import.meta.url));
const WORKER_MAIN = `${WORKER_DIR}src/main.ts`;

/** The holds end on this date; they are created and activated earlier (the world's clock, 2027-03-10). */
const END_DATE = "2027-03-20";
/** The API's clock in the boundary race: the end date's last moment, so a release is still allowed. */
const API_BEFORE_MIDNIGHT = "2027-03-20T23:59:59.900Z";
/** The worker's clock: just past midnight, so the end date has passed and the hold is due. */
const WORKER_AFTER_MIDNIGHT = "2027-03-21T00:00:00.100Z";
const HOLDS_PER_ROUND = 30;

type WorkerRun = { workerId: string; holdsReleased: number; status: string };

describe("an API release racing the worker's end-date release of the same hold", () => {
  // A database of its own: the worker's counts then cover exactly this tenant's holds.
  const ww = setupWorld({ tenantName: "Worker race tenant" });
  const spawned = new Set<ChildProcess>();
  const figures: string[] = [];

  afterAll(() => {
    // Every worker process this file started is gone, even when a test failed.
    for (const child of spawned) child.kill("SIGKILL");
    console.log(`[races] API release vs worker end-date release, per round\n  ${figures.join("\n  ")}`);
  });

  /** n active holds ending on END_DATE, each on an account of its own. */
  async function endingHolds(n: number, label: string): Promise<Hold[]> {
    const holds: Hold[] = [];
    for (let start = 0; start < n; start += 10) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(10, n - start) }, async (_, j) => {
          const accountLocator = await ww.newAccount(`${label} ${start + j}`);
          const draft = await ww.api.holds.create({
            accountLocator,
            targets: [{ process: "invoicing" }, { process: "funding", endDate: END_DATE }],
            endDate: END_DATE,
          });
          await ww.api.holds.validate({ locator: draft.locator });
          return ww.api.holds.activate({ locator: draft.locator });
        }),
      );
      holds.push(...batch);
    }
    for (const h of holds) expect(h).toMatchObject({ holdState: "active", endDate: END_DATE });
    return holds;
  }

  /**
   * Fires one API release per hold after its offset (half of them naming the version they saw), alongside
   * `worker`, which starts the worker and resolves when it has finished; then checks every hold.
   */
  async function race(opts: {
    label: string;
    seed: number;
    apiAt: string;
    /** Whether the API may win (its clock still allows the release). */
    apiMayWin: boolean;
    /**
     * The spread of the API's offsets, from how long an idle tick takes right now (the worker releases holds
     * at the end of its tick): wide enough that the API lands before, during and after the worker's releases.
     */
    spread: (idleTickMs: number) => { from: number; to: number };
    /** Starts the worker; `started` resolves once it runs, `done` when it has finished. */
    worker: () => { started: Promise<void>; done: Promise<WorkerRun> };
  }) {
    const idleTickMs = await idleTick();
    const window = opts.spread(idleTickMs);
    const from = Math.round(window.from);
    const to = Math.round(window.to);
    const holds = await endingHolds(HOLDS_PER_ROUND, opts.label);
    const [api] = await makeClients({
      kind: "caller",
      db: ww.db,
      clock: fixedClock(opts.apiAt),
      tenantId: ww.tenantId,
      n: 1,
    });
    if (!api) throw new Error("no API client");
    const random = prng(opts.seed);
    const plan = holds.map((h, i) => ({
      h,
      withVersion: i % 2 === 0,
      offset: from + Math.floor(random() * (to - from)),
      requestId: `${opts.label.replace(/\W+/g, "-")}-api-${i}`,
    }));

    const worker = opts.worker();
    await worker.started;
    const [run, outcomes] = await Promise.all([
      worker.done,
      Promise.all(
        plan.map(async (p) => {
          await sleep(p.offset);
          const input = { locator: p.h.locator, ...(p.withVersion ? { expectedVersion: p.h.version } : {}) };
          return attempt(0, p.requestId, () => api.mutate("holds.release", input, p.requestId));
        }),
      ),
    ]);

    let workerWon = 0;
    let apiWon = 0;
    const refusals = new Map<string, number>();
    for (const o of outcomes) if (!o.ok) refusals.set(o.error.appCode, (refusals.get(o.error.appCode) ?? 0) + 1);
    for (const [i, p] of plan.entries()) {
      const o = outcomes[i] as Outcome;
      const why = `${opts.label}: hold ${i}`;
      const row = await holdRow(ww.db, p.h.locator);
      expect(row.state, why).toBe("released");
      expect(row.version, `${why}: exactly one release applied`).toBe(p.h.version + 1);
      expect(row.claims, why).toEqual([]);
      const events = await auditOf(ww.db, p.h.locator);
      expect(
        events.map((e) => e.action),
        `${why}: exactly one release in the audit trail`,
      ).toEqual(["create", "validate", "activate", "release"]);
      const release = events[3] as AuditRow;
      expect(release.before?.version, why).toBe(p.h.version);
      expect(release.before?.holdState, why).toBe("active");
      expect(release.after?.version, why).toBe(p.h.version + 1);
      expect(release.after?.holdState, why).toBe("released");
      expect(release.after?.releaseReason, why).toBe(row.releaseReason);

      if (row.releaseReason === "end_date_reached") {
        workerWon++;
        expect(release, `${why}: the worker's release`).toMatchObject({ actorType: "worker", actorId: run.workerId });
        expect(row.releasedBy, why).toBe(`worker:${run.workerId}`);
        // The API lost: refused with the precise reason for where it stood.
        expect(o.ok, `${why}: the worker released it, so the API's release must not have applied`).toBe(false);
        if (o.ok) continue;
        const allowed = opts.apiMayWin
          ? p.withVersion
            ? ["VERSION_CONFLICT", "CONCURRENT_MODIFICATION"]
            : ["INVALID_TRANSITION", "CONCURRENT_MODIFICATION"]
          : p.withVersion
            ? ["VERSION_CONFLICT", "HOLD_ENDED"]
            : ["INVALID_TRANSITION", "HOLD_ENDED"];
        expect(o.error.code, `${why}: ${o.error.message}`).toBe("CONFLICT");
        expect(allowed, `${why}: ${o.error.message}`).toContain(o.error.appCode);
        if (o.error.appCode === "INVALID_TRANSITION") expect(o.error.details.state, why).toBe("released");
        if (o.error.appCode === "VERSION_CONFLICT") expect(o.error.details.currentVersion, why).toBe(p.h.version + 1);
        if (o.error.appCode === "HOLD_ENDED") {
          expect(o.error.message, why).toContain(`its end date ${END_DATE} has passed; the worker releases it`);
        }
      } else {
        apiWon++;
        expect(opts.apiMayWin, `${why}: the API released a hold whose end date had passed for it`).toBe(true);
        expect(row.releaseReason, why).toBe("released");
        expect(release, `${why}: the API's release`).toMatchObject({
          actorType: "token",
          actorId: api.credentialId,
          requestId: p.requestId,
        });
        expect(o.ok, `${why}: the API's release applied, so it was answered with success`).toBe(true);
        if (o.ok) expect(release.after, why).toEqual(o.value);
      }
    }
    // The worker counted exactly the holds it released.
    expect(run.status, opts.label).toBe("succeeded");
    expect(run.holdsReleased, `${opts.label}: the worker's count`).toBe(workerWon);
    expect(workerWon + apiWon).toBe(HOLDS_PER_ROUND);
    figures.push(
      `${opts.label}: worker released ${workerWon}, API released ${apiWon} (API refusals: ${[...refusals].map(([c, n]) => `${n} ${c}`).join(", ") || "none"}; API offsets ${from}-${to} ms; idle tick ${Math.round(idleTickMs)} ms)`,
    );
  }

  /** Runs one tick while nothing is due, and answers how long it took (it must release nothing). */
  async function idleTick(): Promise<number> {
    const t0 = performance.now();
    const r = await runTick(ww.db, fixedClock(WORKER_AFTER_MIDNIGHT), "idle-worker");
    const ms = performance.now() - t0;
    expect(r.errors).toEqual([]);
    expect(r.counts.holdsReleased, "no hold is left due between rounds").toBe(0);
    return ms;
  }

  /** The real runTick in this process, with the worker's own clock. */
  function inProcessWorker(at: string, workerId: string, batchSize: number) {
    return () => {
      const done = runTick(ww.db, fixedClock(at), workerId, { batchSize }).then(async (r) => {
        expect(r.errors).toEqual([]);
        const [tick] = await ww.db.$client.unsafe("select status, counts from worker_ticks where id = $1", [r.tickId]);
        // What the tick recorded agrees with what it returned.
        expect(tick?.counts).toEqual(r.counts);
        return { workerId, holdsReleased: r.counts.holdsReleased ?? -1, status: String(tick?.status) };
      });
      return { started: Promise.resolve(), done };
    };
  }

  const BATCH_SIZES = [200, 7, 1, 30, 3];
  it(`with the API just before midnight of the end date and the in-process worker just after: exactly one release per hold (${BATCH_SIZES.length} rounds × ${HOLDS_PER_ROUND} holds)`, async () => {
    for (const [round, batchSize] of BATCH_SIZES.entries()) {
      await race({
        label: `in-process worker, boundary, round ${round} (batch ${batchSize})`,
        seed: 100 + round,
        apiAt: API_BEFORE_MIDNIGHT,
        apiMayWin: true,
        spread: (ms) => ({ from: 0.5 * ms, to: 1.5 * ms + 20 }),
        worker: inProcessWorker(WORKER_AFTER_MIDNIGHT, `race-worker-${round}`, batchSize),
      });
    }
  });

  it(`with both clocks past the end date: the worker releases every hold and the API is refused precisely (2 rounds × ${HOLDS_PER_ROUND} holds)`, async () => {
    for (const round of [0, 1]) {
      await race({
        label: `in-process worker, both past the end date, round ${round}`,
        seed: 200 + round,
        apiAt: WORKER_AFTER_MIDNIGHT,
        apiMayWin: false,
        spread: (ms) => ({ from: 0.5 * ms, to: 1.5 * ms + 20 }),
        worker: inProcessWorker(WORKER_AFTER_MIDNIGHT, `race-worker-ended-${round}`, round === 0 ? 200 : 4),
      });
    }
  });

  /** A real worker process (`main.ts --once --now …`); `started` resolves when its tick is recorded. */
  function processWorker(at: string) {
    return () => {
      const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: ww.url, LOG_LEVEL: "info" };
      delete env.HOLDFAST_NOW;
      delete env.WORKER_INTERVAL_MS;
      const child = spawn(process.execPath, ["--import", "tsx", WORKER_MAIN, "--once", "--now", at], {
        cwd: WORKER_DIR,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      if (child.pid === undefined) throw new Error("the worker process did not start");
      spawned.add(child);
      const workerId = `${hostname()}-${child.pid}`;
      let output = "";
      child.stdout?.setEncoding("utf8").on("data", (d: string) => {
        output += d;
      });
      child.stderr?.setEncoding("utf8").on("data", (d: string) => {
        output += d;
      });
      // A hung worker must not hang the suite.
      const guard = setTimeout(() => child.kill("SIGKILL"), 120_000);
      const exited = new Promise<number | null>((resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code) => {
          clearTimeout(guard);
          spawned.delete(child);
          resolve(code);
        });
      });
      let exitedEarly = false;
      void exited.then(() => {
        exitedEarly = true;
      });
      const started = (async () => {
        // Poll for the tick the process records as it starts, then let the API loose.
        for (;;) {
          const [row] = await ww.db.$client.unsafe("select 1 as one from worker_ticks where worker_id = $1", [
            workerId,
          ]);
          if (row || exitedEarly) return;
          await sleep(2);
        }
      })();
      const done = exited.then(async (code) => {
        expect(code, `worker exited ${code}\n${output}`).toBe(0);
        const [tick] = await ww.db.$client.unsafe("select status, counts from worker_ticks where worker_id = $1", [
          workerId,
        ]);
        const counts = (tick?.counts ?? {}) as Record<string, number>;
        return { workerId, holdsReleased: counts.holdsReleased ?? -1, status: String(tick?.status) };
      });
      return { started, done };
    };
  }

  it(`with a real worker process (main.ts --once --now): exactly one release per hold (2 rounds × ${HOLDS_PER_ROUND} holds)`, async () => {
    for (const round of [0, 1]) {
      await race({
        label: `worker process, boundary, round ${round}`,
        seed: 300 + round,
        apiAt: API_BEFORE_MIDNIGHT,
        apiMayWin: true,
        spread: (ms) => ({ from: 0, to: 2.5 * ms + 40 }),
        worker: processWorker(WORKER_AFTER_MIDNIGHT),
      });
    }
  });
});
