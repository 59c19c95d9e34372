import { type ReactNode, useState } from "react";
import { ErrorBanner } from "../components/error-banner.tsx";
import type { BulkOutcome } from "./run-in-chunks.ts";
import type { Selection } from "./selection.ts";
import "./bulk.css";

/**
 * Above a list with rows picked: how many, "select all N matching this
 * filter" (gathered from the server, page after page), clear, and the bulk
 * actions the screen offers.
 */
export function BulkBar({
  noun,
  selection,
  loaded,
  complete,
  gatherAll,
  children,
}: {
  /** Plural, e.g. "holds". */
  noun: string;
  selection: Selection;
  /** Rows loaded on the list now. */
  loaded: number;
  /** Every matching row is loaded (no further page). */
  complete: boolean;
  gatherAll: () => Promise<string[]>;
  /** The action buttons. */
  children: ReactNode;
}) {
  const [gathering, setGathering] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const count = selection.selected.size;
  if (count === 0) return null;
  const selectAll = async () => {
    setGathering(true);
    setError(null);
    try {
      selection.set(await gatherAll());
    } catch (e) {
      setError(e);
    } finally {
      setGathering(false);
    }
  };
  const allShown = complete && count === loaded;
  return (
    <section className="bulk-bar" aria-label="Bulk actions" data-testid="bulk-bar">
      <p role="status" data-testid="bulk-count">
        {count} {count === 1 ? noun.replace(/s$/, "") : noun} selected
      </p>
      {!allShown && (
        <button type="button" onClick={selectAll} disabled={gathering}>
          {gathering
            ? "Selecting…"
            : complete
              ? `Select all ${loaded} matching this filter`
              : "Select all matching this filter"}
        </button>
      )}
      <button type="button" onClick={selection.clear}>
        Clear selection
      </button>
      {children}
      <ErrorBanner error={error} />
    </section>
  );
}

/** Progress of a bulk run ("k of N") and, once it is done, the result of every item. */
export function BulkProgress({
  total,
  outcomes,
  done,
  okText,
}: {
  total: number;
  outcomes: BulkOutcome[];
  done: boolean;
  /** What a successful item shows, e.g. "released". */
  okText: string;
}) {
  const failed = outcomes.filter((o) => !o.ok);
  const succeeded = outcomes.length - failed.length;
  return (
    <div className="bulk-progress">
      <label htmlFor="bulk-progress">Progress</label>
      <progress id="bulk-progress" value={outcomes.length} max={total} />
      <p role="status" data-testid="bulk-progress-text">
        {outcomes.length} of {total}
        {done ? ` done: ${succeeded} succeeded, ${failed.length} failed` : ""}
      </p>
      {done && (
        <ul className="bulk-results" data-testid="bulk-results" aria-label="Result per item">
          {[...failed, ...outcomes.filter((o) => o.ok)].map((o) => (
            <li key={o.locator} data-ok={o.ok} data-testid="bulk-result">
              <span className="mono">{o.locator}</span>{" "}
              {o.ok ? <span className="ok">{okText}</span> : <span className="failed">failed: {o.message}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A row's checkbox: its own click, not the row's (which opens the record). */
export function RowCheck({
  locator,
  label,
  checked,
  onToggle,
}: {
  locator: string;
  label: string;
  checked: boolean;
  onToggle: (locator: string, on: boolean) => void;
}) {
  return (
    <input
      type="checkbox"
      className="row-check"
      aria-label={`Select ${label}`}
      checked={checked}
      onClick={(e) => e.stopPropagation()}
      onChange={(e) => onToggle(locator, e.target.checked)}
    />
  );
}
