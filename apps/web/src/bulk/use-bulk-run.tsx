import { useState } from "react";
import { useIdempotencyKey } from "../forms/use-idempotency-key.ts";
import { BulkProgress } from "./bulk-bar.tsx";
import { type BulkAnswer, type BulkOutcome, runInChunks } from "./run-in-chunks.ts";

/**
 * A bulk dialog's run: the selected locators sent a chunk at a time, one
 * idempotency key per chunk from the dialog's key, with the outcomes so far.
 * `outcomes` is null until it starts; `done` once every chunk has answered.
 */
export function useBulkRun(locators: readonly string[]) {
  const operationKey = useIdempotencyKey();
  const [outcomes, setOutcomes] = useState<BulkOutcome[] | null>(null);
  const [done, setDone] = useState(false);
  async function start(send: (chunk: string[], idempotencyKey: string) => Promise<BulkAnswer>, onDone: () => void) {
    setOutcomes([]);
    await runInChunks(locators, operationKey, send, setOutcomes);
    setDone(true);
    onDone();
  }
  return { outcomes, done, running: outcomes !== null && !done, start };
}

/** A started bulk run: its progress and per-item results, and Close once it is done. */
export function BulkRunResults({
  run,
  total,
  okText,
  onClose,
}: {
  run: { outcomes: BulkOutcome[]; done: boolean; running: boolean };
  total: number;
  okText: string;
  onClose: (done: boolean) => void;
}) {
  return (
    <>
      <BulkProgress total={total} outcomes={run.outcomes} done={run.done} okText={okText} />
      <div className="form-actions">
        <button type="button" onClick={() => onClose(run.done)} disabled={run.running}>
          Close
        </button>
      </div>
    </>
  );
}
