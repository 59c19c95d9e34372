import type { AppRouter } from "@holdfast/api";
import { useQuery } from "@tanstack/react-query";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { ReactNode } from "react";
import { formatInstant } from "../format.ts";
import { useScope } from "../session.tsx";
import { useTRPC } from "../trpc.ts";
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

/** What the history recorded for a record: each event's action, what it changed, who and when. */
export function HistoryTimeline({
  entity,
  transition,
}: {
  entity: Entity;
  /** What the event changed: a `.transition` span, e.g. a `StateTransition`. */
  transition: (event: AuditEvent) => ReactNode;
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
            {transition(e)}
            <span className="actor">
              {e.actorName} <span className="muted">({e.actorType})</span>
            </span>
            <time dateTime={e.at}>{formatInstant(e.at)}</time>
          </li>
        ))}
      </ol>
    </section>
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
