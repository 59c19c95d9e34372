import type { ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_BACKOFF, restartDelay, superviseWorker } from "./worker-supervisor.ts";

describe("restartDelay", () => {
  it("waits 1 s, then doubles up to 30 s", () => {
    const delays: number[] = [];
    let d: number | null = null;
    for (let i = 0; i < 8; i++) {
      d = restartDelay(d, 500);
      delays.push(d);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it("starts over after a worker that ran a minute", () => {
    expect(restartDelay(30_000, 59_999)).toBe(30_000);
    expect(restartDelay(30_000, DEFAULT_BACKOFF.resetAfterMs)).toBe(1000);
    expect(restartDelay(8000, 120_000)).toBe(1000);
  });
});

/** A stand-in for a worker process: exits when told to. */
class FakeChild extends EventEmitter {
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  constructor(readonly pid: number) {
    super();
  }
  die(signal: NodeJS.Signals) {
    this.signalCode = signal;
    this.emit("exit", null, signal);
  }
  kill(signal: NodeJS.Signals) {
    queueMicrotask(() => this.die(signal));
    return true;
  }
}

describe("superviseWorker", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("starts a dead worker again with backoff, logs each death and restart, and stops for good on stop()", async () => {
    const children: FakeChild[] = [];
    const start = () => {
      const c = new FakeChild(1000 + children.length);
      children.push(c);
      return c as unknown as ChildProcess;
    };
    const logs: [string, Record<string, unknown>][] = [];
    const logger = {
      info: (o: Record<string, unknown>, m: string) => logs.push([m, o]),
      error: (o: Record<string, unknown>, m: string) => logs.push([m, o]),
    };
    const sup = superviseWorker(start, logger as never);
    expect(children).toHaveLength(1);

    // Killed at once, three times: restarted after 1 s, 2 s, then 4 s.
    for (const wait of [1000, 2000, 4000]) {
      children.at(-1)?.die("SIGKILL");
      expect(sup.current()).toBeNull();
      const before = children.length;
      await vi.advanceTimersByTimeAsync(wait - 1);
      expect(children).toHaveLength(before);
      await vi.advanceTimersByTimeAsync(1);
      expect(children).toHaveLength(before + 1);
    }
    expect(sup.restarts()).toBe(3);
    expect(logs.filter(([m]) => m.startsWith("worker exited")).map(([, o]) => o.restartInMs)).toEqual([
      1000, 2000, 4000,
    ]);
    expect(logs.filter(([m]) => m === "worker restarted").map(([, o]) => o.workerPid)).toEqual([1001, 1002, 1003]);

    // One that ran over a minute before dying starts the backoff over.
    await vi.advanceTimersByTimeAsync(61_000);
    children.at(-1)?.die("SIGSEGV");
    await vi.advanceTimersByTimeAsync(1000);
    expect(children).toHaveLength(5);

    // stop(): SIGTERM, and no restart after that exit.
    await sup.stop();
    expect(children.at(-1)?.signalCode).toBe("SIGTERM");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(children).toHaveLength(5);
    expect(sup.current()).toBeNull();
  });
});
