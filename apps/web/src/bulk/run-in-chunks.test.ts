import { describe, expect, it } from "vitest";
import { chunks, runInChunks } from "./run-in-chunks.ts";

describe("runInChunks", () => {
  it("sends runs of the chunk size, one key per chunk derived from the operation's, and reports progress", async () => {
    const locators = Array.from({ length: 250 }, (_, i) => `L${i}`);
    const sent: [number, string][] = [];
    const progress: number[] = [];
    const outcomes = await runInChunks(
      locators,
      "web-op",
      async (chunk, key) => {
        sent.push([chunk.length, key]);
        return { items: chunk.map((locator) => ({ locator, ok: true as const })) };
      },
      (o) => progress.push(o.length),
    );
    expect(sent).toEqual([
      [100, "web-op-0"],
      [100, "web-op-1"],
      [50, "web-op-2"],
    ]);
    expect(progress).toEqual([100, 200, 250]);
    expect(outcomes.map((o) => o.locator)).toEqual(locators);
  });

  it("a failed item keeps its message; a failed call fails its chunk only", async () => {
    const outcomes = await runInChunks(
      ["a", "b", "c"],
      "k",
      async (chunk) => {
        if (chunk.includes("c")) throw new Error("network down");
        return {
          items: [
            { locator: "a", ok: true as const },
            { locator: "b", ok: false as const, error: { message: "already released" } },
          ],
        };
      },
      () => undefined,
      2,
    );
    expect(outcomes).toEqual([
      { locator: "a", ok: true },
      { locator: "b", ok: false, message: "already released" },
      { locator: "c", ok: false, message: "network down" },
    ]);
  });

  it("chunks splits evenly and keeps the rest", () => {
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunks([], 3)).toEqual([]);
  });
});
