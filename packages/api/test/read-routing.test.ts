/**
 * The rules of `ReadReplica` and `routeReads` that the streaming-replica test
 * cannot reach on demand: an unknown write position, a promoted or silent
 * replica, the background retry, and which failures send a read back to the
 * primary. The pools are stand-ins that answer the two position queries.
 */
import { type Database, isReplicaFailure, parseLsn, ReadReplica } from "@holdfast/db";
import { describe, expect, it } from "vitest";
import { readOrFallBack, routeReads } from "../src/read-routing.ts";

/** A pool whose every query answers `rows()` (a function, so a test can change the answer or make it fail). */
function pool(rows: () => Promise<unknown[]>) {
  const calls = { count: 0 };
  const client = () => {
    calls.count++;
    return rows();
  };
  return { db: { $client: client } as unknown as Database, calls };
}

function setup(opts: { replayed?: string; standby?: boolean; primaryLsn?: string; maxLagMs?: number } = {}) {
  const state = {
    primaryLsn: opts.primaryLsn ?? "0/100",
    primaryUp: true,
    replayed: opts.replayed ?? "0/100",
    standby: opts.standby ?? true,
    replicaUp: true,
    now: 0,
  };
  const primary = pool(async () => {
    if (!state.primaryUp) throw Object.assign(new Error("refused"), { code: "ECONNREFUSED" });
    return [{ lsn: state.primaryLsn }];
  });
  const replica = pool(async () => {
    if (!state.replicaUp) throw Object.assign(new Error("refused"), { code: "ECONNREFUSED" });
    return [{ replayed: state.replayed, standby: state.standby }];
  });
  const routing = new ReadReplica(
    () => primary.db,
    () => replica.db,
    { maxLagMs: opts.maxLagMs ?? 1000, rememberMs: 2000, retryMs: 500, now: () => state.now },
  );
  return { state, primary, replica, routing };
}

describe("ReadReplica", () => {
  it("sends a caller to the primary until the replica has replayed its write, and no one else", async () => {
    const { state, replica, routing } = setup();
    state.primaryLsn = "0/200";
    await routing.noteWrite("a");
    state.now += 100;
    expect(await routing.dbFor("a")).toBeNull();
    expect(await routing.dbFor("b")).toBe(replica.db);
    state.replayed = "0/200";
    state.now += 100;
    expect(await routing.dbFor("a")).toBe(replica.db);
  });

  it("keeps a caller on the primary when the primary could not tell its write position, until that expires", async () => {
    const { state, replica, routing } = setup();
    state.primaryUp = false;
    await routing.noteWrite("a");
    expect(await routing.dbFor("a")).toBeNull();
    expect(await routing.dbFor("b")).toBe(replica.db);
    state.primaryUp = true;
    state.now += 2001;
    expect(await routing.dbFor("a")).toBe(replica.db);
  });

  it("reads the replica's position once per cache window", async () => {
    const { state, replica, routing } = setup();
    await Promise.all([routing.dbFor("a"), routing.dbFor("b"), routing.dbFor(null)]);
    await routing.dbFor("a");
    expect(replica.calls.count).toBe(1);
    state.now += 51;
    await routing.dbFor("a");
    expect(replica.calls.count).toBe(2);
  });

  it("serves no reads from a replica that is no longer in recovery", async () => {
    const { routing } = setup({ standby: false });
    expect(await routing.dbFor("a")).toBeNull();
  });

  it("leaves a failed replica alone for retryMs, then looks again in the background", async () => {
    const { state, replica, routing } = setup();
    state.replicaUp = false;
    expect(await routing.dbFor("a")).toBeNull();
    state.replicaUp = true;
    state.now += 499;
    expect(await routing.dbFor("a")).toBeNull();
    expect(replica.calls.count).toBe(1);
    state.now += 2;
    // This read does not wait for the look it starts; the next one uses its answer.
    expect(await routing.dbFor("a")).toBeNull();
    await new Promise((r) => setTimeout(r, 0));
    expect(await routing.dbFor("a")).toBe(replica.db);
  });

  it("counts a replica that does not answer in time as down", async () => {
    const silent = pool(() => new Promise<never>(() => undefined));
    const primary = pool(async () => [{ lsn: "0/1" }]);
    const routing = new ReadReplica(
      () => primary.db,
      () => silent.db,
      { probeTimeoutMs: 10 },
    );
    expect(await routing.dbFor("a")).toBeNull();
  });

  it("keeps the oldest unreplayed position when it thins out its samples", async () => {
    const { state, replica, routing } = setup({ replayed: "0/1", maxLagMs: 17_000 });
    for (let i = 0; i < 280; i++) {
      state.primaryLsn = `0/${(0x100 + i).toString(16)}`;
      state.now += 60;
      expect(await routing.dbFor("b")).toBe(replica.db);
    }
    // 280 samples were taken, 256 kept: the first, 17.04 s old by now, is among them.
    state.now += 300;
    expect(await routing.dbFor("b")).toBeNull();
  });
});

describe("routeReads", () => {
  it("runs a query again on the primary when it failed on the replica for want of a connection", async () => {
    const { replica, routing } = setup();
    const ran: (Database | undefined)[] = [];
    const result = await routeReads({ readReplica: routing }, { credentialId: "a" }, "query", async (readDb) => {
      ran.push(readDb);
      return readDb
        ? { ok: false as const, error: { cause: { cause: Object.assign(new Error("x"), { code: "57P01" }) } } }
        : { ok: true as const };
    });
    expect(result.ok).toBe(true);
    expect(ran).toEqual([replica.db, undefined]);
    // The replica counts as down now.
    expect(await routing.dbFor("a")).toBeNull();
  });

  it("does not run a query again for its own errors", async () => {
    const { routing } = setup();
    let runs = 0;
    const result = await routeReads({ readReplica: routing }, null, "query", async () => {
      runs++;
      return { ok: false as const, error: { cause: Object.assign(new Error("bad"), { code: "23505" }) } };
    });
    expect(result.ok).toBe(false);
    expect(runs).toBe(1);
  });

  it("runs a mutation on the primary and notes its caller's write only when it succeeded", async () => {
    const { state, routing } = setup();
    state.primaryLsn = "0/300";
    const seen: (Database | undefined)[] = [];
    await routeReads({ readReplica: routing }, { credentialId: "failed" }, "mutation", async (readDb) => {
      seen.push(readDb);
      return { ok: false as const, error: {} };
    });
    await routeReads({ readReplica: routing }, { credentialId: "wrote" }, "mutation", async (readDb) => {
      seen.push(readDb);
      return { ok: true as const };
    });
    expect(seen).toEqual([undefined, undefined]);
    expect(await routing.dbFor("failed")).not.toBeNull();
    expect(await routing.dbFor("wrote")).toBeNull();
  });
});

describe("readOrFallBack", () => {
  it("reads again on the primary when the read failed on the replica, and answers the primary's context", async () => {
    const { replica, routing } = setup();
    const refused = Object.assign(new Error("gone"), { code: "CONNECTION_CLOSED" });
    const [ctx, value] = await readOrFallBack({ readReplica: routing }, { readDb: replica.db }, async (c) => {
      if (c.readDb) throw refused;
      return "from the primary";
    });
    expect([ctx.readDb, value]).toEqual([undefined, "from the primary"]);
    expect(await routing.dbFor("a")).toBeNull();
  });

  it("lets other failures through, and reads on the primary only once", async () => {
    const { routing } = setup();
    let runs = 0;
    const read = async () => {
      runs++;
      throw Object.assign(new Error("timeout"), { code: "57014" });
    };
    await expect(readOrFallBack({ readReplica: routing }, { readDb: undefined }, read)).rejects.toThrow("timeout");
    expect(runs).toBe(1);
  });
});

it("isReplicaFailure knows connection failures and recovery conflicts, along the causes", () => {
  const coded = (code: string) => Object.assign(new Error(code), { code });
  for (const code of ["ECONNREFUSED", "CONNECTION_CLOSED", "CONNECT_TIMEOUT", "08006", "57P01", "40001"]) {
    expect(isReplicaFailure({ cause: coded(code) })).toBe(true);
  }
  for (const code of ["23505", "57014", "INTERNAL_SERVER_ERROR"]) expect(isReplicaFailure(coded(code))).toBe(false);
  expect(isReplicaFailure(null)).toBe(false);
});

it("parseLsn orders WAL positions", () => {
  expect(parseLsn("1/0") > parseLsn("0/FFFFFFFF")).toBe(true);
  expect(parseLsn("16/B374D848")).toBe(0x16b374d848n);
});
