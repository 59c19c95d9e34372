import type { SubscriptionOutput } from "@holdfast/domain";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorBanner } from "../components/error-banner.tsx";
import { useActorNames } from "../components/history-timeline.tsx";
import { ListStates, LoadMore } from "../components/paged-list.tsx";
import { ReasonDialog } from "../components/reason-dialog.tsx";
import { StatusBadge } from "../components/subscription-badges.tsx";
import { TableScroll } from "../components/table-scroll.tsx";
import { formatDate, formatInstant } from "../format.ts";
import { useCan, useScope } from "../session.tsx";
import { type ActionOutput, useActionPages, useSubscriptionChanged } from "../subscriptions.ts";
import { useTRPC } from "../trpc.ts";

type Ref = ActionOutput["performedByUserIdentifier"];
const refText = (r: Ref) => (r ? (r.name ?? r.number ?? r.id ?? "—") : null);

/** A subscription's grace period extensions, a page at a time; a scheduled one may be cancelled. */
export function ActionsCard({ sub, onChanged }: { sub: SubscriptionOutput; onChanged: (notice: string) => void }) {
  const trpc = useTRPC();
  const scope = useScope();
  const actions = useActionPages(sub.locator);
  const changed = useSubscriptionChanged();
  const canWrite = useCan("subscriptions:write");
  const who = useActorNames({ entityType: "subscription", entityId: sub.locator });
  const [cancelling, setCancelling] = useState<ActionOutput | null>(null);
  const cancel = useMutation(
    trpc.subscriptions.cancelAction.mutationOptions({
      onSuccess: (action) => {
        changed(sub.locator);
        setCancelling(null);
        onChanged(`The extension scheduled for ${action.scheduledDate} is cancelled.`);
      },
    }),
  );
  const items = actions.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section aria-labelledby="actions-title" className="card">
      <h2 id="actions-title">Action history</h2>
      <ErrorBanner error={actions.error} />
      <ListStates pages={actions} count={items.length} loading="Loading actions…" emptyTestId="actions-empty" card>
        No grace period extensions yet.
      </ListStates>
      {items.length > 0 && (
        <TableScroll label="Scheduled and applied actions">
          <table aria-busy={actions.isFetching}>
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Scheduled</th>
                <th scope="col">Applied on</th>
                <th scope="col">Grace end</th>
                <th scope="col">Transaction ref.</th>
                <th scope="col">Performed by</th>
                <th scope="col">UDFs</th>
                {canWrite && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {items.map((a) => (
                <tr key={a.locator} data-testid="action-row" data-locator={a.locator} data-status={a.status}>
                  <td>
                    <StatusBadge status={a.status} testId="action-status" />
                    {a.reactivated && <span className="small muted block">reactivated</span>}
                    {a.cancelledAt && (
                      <span className="small muted block">cancelled {formatInstant(a.cancelledAt)}</span>
                    )}
                    {a.failure && (
                      <p className="field-error" data-testid="action-failure">
                        {a.failure.message} <span className="muted">({a.failure.rule})</span>
                      </p>
                    )}
                  </td>
                  <td className="nowrap">{formatDate(a.scheduledDate, "now")}</td>
                  <td className="nowrap">{formatDate(a.appliedOn)}</td>
                  <td className="nowrap" data-testid="action-grace">
                    {a.status === "executed" ? `${a.previousGraceEnd ?? "none"} → ${a.newGraceEnd ?? "—"}` : "—"}
                  </td>
                  <td className="mono">{a.transactionReferenceNumber ?? "—"}</td>
                  <td>
                    <PerformedBy action={a} createdBy={who(a.createdBy)} />
                  </td>
                  <td>
                    <KeyValues values={a.udf} />
                  </td>
                  {canWrite && (
                    <td>
                      {a.status === "scheduled" && (
                        <button
                          type="button"
                          className="small danger"
                          onClick={() => {
                            cancel.reset();
                            setCancelling(a);
                          }}
                        >
                          Cancel
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <LoadMore pages={actions} label="Load more actions" />
      {cancelling && (
        <ReasonDialog
          title="Cancel the scheduled extension?"
          confirmLabel="Cancel extension"
          cancelLabel="Keep it"
          pendingLabel="Cancelling…"
          pending={cancel.isPending}
          error={cancel.error}
          onConfirm={({ reason, idempotencyKey }) =>
            cancel.mutate({
              ...scope,
              locator: cancelling.locator,
              expectedVersion: cancelling.version,
              reason,
              idempotencyKey,
            })
          }
          onCancel={() => setCancelling(null)}
        >
          <p>
            It was to run on {formatDate(cancelling.scheduledDate)}. A cancelled action stays in the history and does
            not run.
          </p>
        </ReasonDialog>
      )}
    </section>
  );
}

function PerformedBy({ action, createdBy }: { action: ActionOutput; createdBy: string }) {
  const parts = [
    ["user", refText(action.performedByUserIdentifier)],
    ["unit", refText(action.performedByUnitIdentifier)],
    ["business unit", refText(action.performedByBusinessUnitIdentifier)],
  ].filter((p): p is [string, string] => p[1] !== null);
  return (
    <>
      {parts.length > 0 ? (
        <ul className="kv">
          {parts.map(([k, v]) => (
            <li key={k}>
              <span className="k">{k}</span> {v}
            </li>
          ))}
          {action.performedOn && (
            <li>
              <span className="k">on</span> {action.performedOn}
            </li>
          )}
        </ul>
      ) : null}
      <span className="small muted">
        requested by {createdBy}, {formatInstant(action.createdAt)}
      </span>
    </>
  );
}

function KeyValues({ values }: { values: Record<string, string | number> }) {
  const entries = Object.entries(values);
  if (entries.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="kv">
      {entries.map(([k, v]) => (
        <li key={k}>
          <span className="k">{k}</span>={String(v)}
        </li>
      ))}
    </ul>
  );
}
