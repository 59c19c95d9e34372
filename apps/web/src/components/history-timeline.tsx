import type { AppRouter } from "@holdfast/api";
import { useQuery } from "@tanstack/react-query";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { ReactNode } from "react";
import { formatInstant } from "../format.ts";
import { type FieldChange, fieldChanges } from "../history-diff.ts";
import { useScope } from "../session.tsx";
import { useTRPC } from "../trpc.ts";
import { EntityEvents } from "./entity-events.tsx";
import { ErrorBanner } from "./error-banner.tsx";

export type AuditEvent = inferRouterOutputs<AppRouter>["audit"]["history"][number];
type Entity = Pick<inferRouterInputs<AppRouter>["audit"]["history"], "entityType" | "entityId">;

function useHistory(entity: Entity) {
  const trpc = useTRPC();
  const scope = useScope();
  return useQuery(trpc.audit.history.queryOptions({ ...scope, ...entity }));
}

/** `user:01J…` (as createdBy and friends store it) → the name the history recorded. */
export function useActorNames(entity: Entity) {
  const history = useHistory(entity);
  const names = new Map(history.data?.map((e) => [`${e.actorType}:${e.actorId}`, e.actorName]));
  return (label: string | null) => (label ? (names.get(label) ?? label) : "—");
}

/**
 * What the history recorded for a record: each event's action, each field it
 * changed with its value before and after, who, when (with the zone), the
 * request it came in, and the reason when one was given; under it, the
 * domain events those changes published.
 */
export function HistoryTimeline({
  entity,
  transition,
  ignore = [],
}: {
  entity: Entity;
  /** The state the event moved the record between: a `.transition` span, e.g. a `StateTransition`. */
  transition?: (event: AuditEvent) => ReactNode;
  /** Fields not to list as changes (the state, which `transition` shows; fields it describes itself). */
  ignore?: readonly string[];
}) {
  const history = useHistory(entity);
  return (
    <section aria-labelledby="history-title" className="card">
      <h2 id="history-title">History</h2>
      <ErrorBanner error={history.error} />
      {history.isPending && <p className="muted">Loading history…</p>}
      {history.data?.length === 0 && <p className="muted">No recorded changes.</p>}
      <ol className="timeline" data-testid="history">
        {history.data?.map((e) => (
          <li key={e.id} data-testid="history-entry" data-action={e.action}>
            <span className="action">{e.action}</span>
            <div className="what">
              {transition?.(e)}
              <FieldChanges changes={fieldChanges(e.before, e.after, ignore)} />
              {e.reason && (
                <p className="reason" data-testid="history-reason">
                  Reason: {e.reason}
                </p>
              )}
            </div>
            <span className="actor">
              {e.actorName} <span className="muted">({e.actorType})</span>
              {e.requestId && (
                <span className="muted small block request-id" title="Request id">
                  request <span className="mono">{e.requestId}</span>
                </span>
              )}
            </span>
            <time dateTime={e.at}>{formatInstant(e.at)}</time>
          </li>
        ))}
      </ol>
      <EntityEvents entityType={entity.entityType} entityId={entity.entityId} />
    </section>
  );
}

/** Each changed field on its own line, `label before → after`: the history timeline's and the audit log's. */
export function FieldChanges({ changes }: { changes: FieldChange[] }) {
  if (changes.length === 0) return null;
  return (
    <ul className="field-changes" data-testid="field-changes">
      {changes.map((c) => (
        <li key={c.field} data-field={c.field}>
          <span className="field-name">{c.label}</span> <del>{c.before}</del>
          {" → "}
          <ins>{c.after}</ins>
        </li>
      ))}
    </ul>
  );
}

/** The state an event moved the record from and to, and what else it changed (nothing: ""). */
export function StateTransition({
  before,
  after,
  changes,
}: {
  before: string | null;
  after: string | null;
  changes: string;
}) {
  return (
    <span className="transition">
      {before ?? "—"} → {after ?? "—"}
      {changes ? <span className="muted changed">{changes}</span> : null}
    </span>
  );
}
