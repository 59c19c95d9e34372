import type { HoldMove, HoldOutput } from "@holdfast/domain";
import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "wouter";
import { useAccounts } from "../accounts.ts";
import { ErrorBanner } from "../components/error-banner.tsx";
import { HistoryTimeline, StateTransition, useActorNames } from "../components/history-timeline.tsx";
import { ReasonDialog } from "../components/reason-dialog.tsx";
import { ScheduleBadge, StateBadge } from "../components/state-badge.tsx";
import { formatDate, formatInstant, processLabel, shortLocator } from "../format.ts";
import { usePageTitle } from "../page-title.ts";
import { useCan, useScope } from "../session.tsx";
import { type ApiError, useTRPC } from "../trpc.ts";

type ButtonMove = Exclude<HoldMove, "update" | "amend">;
const MOVE_LABELS: Record<ButtonMove, string> = {
  validate: "Validate",
  activate: "Activate",
  release: "Release",
  reset: "Reset",
  discard: "Discard",
};

/** Keeps every view of a hold in step after it changed. */
export function useHoldChanged() {
  const trpc = useTRPC();
  const scope = useScope();
  const queryClient = useQueryClient();
  return (hold: HoldOutput) => {
    queryClient.setQueryData(trpc.holds.get.queryKey({ ...scope, locator: hold.locator }), hold);
    void queryClient.invalidateQueries(trpc.holds.list.pathFilter());
    void queryClient.invalidateQueries(trpc.holds.effect.pathFilter());
    void queryClient.invalidateQueries(
      trpc.audit.history.queryFilter({ ...scope, entityType: "hold", entityId: hold.locator }),
    );
  };
}

export function HoldDetail({ locator }: { locator: string }) {
  usePageTitle(`Hold ${shortLocator(locator)}`);
  const trpc = useTRPC();
  const scope = useScope();
  const hold = useQuery(trpc.holds.get.queryOptions({ ...scope, locator }));

  if (hold.isPending) return <p className="page-status">Loading hold…</p>;
  if (hold.error) {
    return (
      <section>
        <h1>Hold {locator}</h1>
        <ErrorBanner error={hold.error} />
        <Link href="/holds">Back to the holds</Link>
      </section>
    );
  }
  return <HoldView hold={hold.data} />;
}

function HoldView({ hold }: { hold: HoldOutput }) {
  const trpc = useTRPC();
  const scope = useScope();
  const queryClient = useQueryClient();
  const accounts = useAccounts();
  const changed = useHoldChanged();
  const [moveError, setMoveError] = useState<ApiError | null>(null);
  /** The final move whose reason is being asked. */
  const [final, setFinal] = useState<"release" | "discard" | null>(null);
  const canWrite = useCan("holds:write");
  const offered = canWrite ? hold.allowedMoves : [];
  const who = useActorNames({ entityType: "hold", entityId: hold.locator });

  const options = {
    onMutate: () => setMoveError(null),
    onSuccess: (next: HoldOutput) => {
      changed(next);
      setFinal(null);
    },
    onError: (e: ApiError) => setMoveError(e),
  };
  const moves = {
    validate: useMutation(trpc.holds.validate.mutationOptions(options)),
    activate: useMutation(trpc.holds.activate.mutationOptions(options)),
    release: useMutation(trpc.holds.release.mutationOptions(options)),
    reset: useMutation(trpc.holds.reset.mutationOptions(options)),
    discard: useMutation(trpc.holds.discard.mutationOptions(options)),
  } satisfies Record<ButtonMove, unknown>;
  const busy = Object.values(moves).some((m) => m.isPending);
  const stale = moveError?.data?.code === "CONFLICT" && /version|another request/.test(moveError.message);

  return (
    <article aria-labelledby="hold-title" className="hold-detail">
      <p className="crumbs">
        <Link href="/holds">Holds</Link> /
      </p>
      <div className="page-head">
        <h1 id="hold-title">
          Hold <span className="mono">{hold.locator}</span>
        </h1>
        <div className="badges" aria-live="polite">
          <StateBadge state={hold.holdState} /> <ScheduleBadge schedule={hold.schedule} />
        </div>
      </div>

      <fieldset className="toolbar">
        <legend className="visually-hidden">Moves</legend>
        {offered.map((move) => {
          if (move === "update") {
            return (
              <Link key={move} href={`/holds/${hold.locator}/edit`} className="button">
                Edit
              </Link>
            );
          }
          if (move === "amend") {
            return (
              <Link key={move} href={`/holds/${hold.locator}/amend`} className="button">
                Amend
              </Link>
            );
          }
          const m = moves[move];
          return (
            <button
              key={move}
              type="button"
              className={move === "discard" || move === "release" ? "danger" : "primary"}
              disabled={busy}
              onClick={() =>
                move === "release" || move === "discard"
                  ? setFinal(move)
                  : m.mutate({ ...scope, locator: hold.locator, expectedVersion: hold.version })
              }
            >
              {m.isPending ? `${MOVE_LABELS[move]}…` : MOVE_LABELS[move]}
            </button>
          );
        })}
        {hold.allowedMoves.length === 0 &&
          (hold.schedule === "ended" ? (
            <p className="muted">Its end date {hold.endDate} has passed: no moves are left; the worker releases it.</p>
          ) : (
            <p className="muted">{hold.holdState} is final: no moves are left.</p>
          ))}
        {hold.allowedMoves.length > 0 && !canWrite && (
          <p className="muted">You may read this tenant's holds but not change them.</p>
        )}
      </fieldset>

      {final && (
        <ReasonDialog
          title={final === "release" ? "Release this hold?" : "Discard this hold?"}
          confirmLabel={MOVE_LABELS[final]}
          cancelLabel="Keep it"
          pending={moves[final].isPending}
          error={moveError}
          onConfirm={({ reason, idempotencyKey }) =>
            moves[final].mutate({
              ...scope,
              locator: hold.locator,
              expectedVersion: hold.version,
              reason,
              idempotencyKey,
            })
          }
          onCancel={() => {
            setFinal(null);
            setMoveError(null);
          }}
        >
          <p>
            {final === "release"
              ? "Released is final: the account is no longer held for its processes."
              : "Discarded is final: the hold never takes effect."}
          </p>
        </ReasonDialog>
      )}

      <ErrorBanner error={final ? null : moveError} testId="move-error">
        {stale && (
          <button
            type="button"
            onClick={() => {
              setMoveError(null);
              void queryClient.invalidateQueries(trpc.holds.get.queryFilter({ ...scope, locator: hold.locator }));
            }}
          >
            Reload the hold
          </button>
        )}
      </ErrorBanner>

      <ValidationPanel hold={hold} />

      <section aria-labelledby="fields-title" className="card">
        <h2 id="fields-title">Details</h2>
        <dl className="fields">
          <dt>Account</dt>
          <dd>
            {accounts.name(hold.accountLocator)} <span className="mono muted">{hold.accountLocator}</span>
          </dd>
          <dt>Hold dates</dt>
          <dd>
            {formatDate(hold.startDate, "now")} → {formatDate(hold.endDate, "until released")}
          </dd>
          <dt>Target type</dt>
          <dd>{hold.targetType ?? "—"}</dd>
          <dt>Comments</dt>
          <dd className="prewrap">{hold.comments ?? "—"}</dd>
          <dt>Source system</dt>
          <dd>{hold.sourceSystem ?? "—"}</dd>
          <dt>External source id</dt>
          <dd>{hold.externalSourceId ?? "—"}</dd>
          <dt>External transaction id</dt>
          <dd>{hold.externalTransactionId ?? "—"}</dd>
          {hold.releaseReason && (
            <>
              <dt>Release reason</dt>
              <dd data-testid="release-reason">{hold.releaseReason}</dd>
            </>
          )}
          {hold.discardReason && (
            <>
              <dt>Discard reason</dt>
              <dd data-testid="discard-reason">{hold.discardReason}</dd>
            </>
          )}
          <dt>Version</dt>
          <dd data-testid="hold-version">{hold.version}</dd>
          <dt>Created</dt>
          <dd>
            {formatInstant(hold.createdAt)} by {who(hold.createdBy)}
          </dd>
          <dt>Updated</dt>
          <dd>
            {formatInstant(hold.updatedAt)} by {who(hold.updatedBy)}
          </dd>
          {(
            [
              ["Validated", hold.validatedAt, hold.validatedBy],
              ["Activated", hold.activatedAt, hold.activatedBy],
              ["Released", hold.releasedAt, hold.releasedBy],
              ["Discarded", hold.discardedAt, hold.discardedBy],
            ] as const
          )
            .filter(([, at]) => at)
            .map(([label, at, by]) => (
              <MoveStamp key={label} label={label} at={at} by={who(by)} />
            ))}
        </dl>
      </section>

      <TargetsTable hold={hold} />

      <section aria-labelledby="chars-title" className="card">
        <h2 id="chars-title">Characteristics</h2>
        {hold.characteristics.length === 0 ? (
          <p className="muted">None.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">Value</th>
                <th scope="col">Effective date</th>
              </tr>
            </thead>
            <tbody>
              {hold.characteristics.map((c) => (
                <tr key={c.type}>
                  <td>{c.type}</td>
                  <td>{c.value}</td>
                  <td>{formatDate(c.effectiveDate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <HistoryTimeline
        entity={{ entityType: "hold", entityId: hold.locator }}
        transition={(e) => <StateTransition before={stateOf(e.before)} after={stateOf(e.after)} changes="" />}
        ignore={HISTORY_IGNORED}
      />
    </article>
  );
}

function MoveStamp({ label, at, by }: { label: string; at: string | null; by: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>
        {formatInstant(at)} by {by}
      </dd>
    </>
  );
}

function ValidationPanel({ hold }: { hold: HoldOutput }) {
  const result = hold.validationResult;
  if (!result) return null;
  if (result.success) {
    return (
      <p className="notice ok" data-testid="validation-result">
        Validation passed on {result.checkedOn}.
      </p>
    );
  }
  return (
    <section className="notice problem" aria-labelledby="validation-title" data-testid="validation-result">
      <h2 id="validation-title">Validation failed on {result.checkedOn}</h2>
      <p>Fix these with Edit, then validate again:</p>
      <ul data-testid="validation-problems">
        {result.problems.map((p) => (
          <li key={`${p.path}:${p.rule}`}>
            <code>{p.path}</code> {p.message} <span className="muted">({p.rule})</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Each target, and for an active hold whether the account is held for that process today. */
function TargetsTable({ hold }: { hold: HoldOutput }) {
  const trpc = useTRPC();
  const scope = useScope();
  const active = hold.holdState === "active";
  const effects = useQueries({
    queries: hold.targets.map((t) => ({
      ...trpc.holds.effect.queryOptions({ ...scope, accountLocator: hold.accountLocator, process: t.process }),
      enabled: active,
    })),
  });
  return (
    <section aria-labelledby="targets-title" className="card">
      <h2 id="targets-title">Targets</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Process</th>
            <th scope="col">Start date</th>
            <th scope="col">End date</th>
            {active && <th scope="col">Account held today?</th>}
          </tr>
        </thead>
        <tbody>
          {hold.targets.map((t, i) => {
            const effect = effects[i]?.data;
            return (
              <tr key={t.process} data-testid="target-row">
                <td>{processLabel(t.process)}</td>
                <td>{formatDate(t.startDate, "hold start")}</td>
                <td>{formatDate(t.endDate, "hold end")}</td>
                {active && <td>{effect ? (effect.held ? `yes (${effect.date})` : `no (${effect.date})`) : "…"}</td>}
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

function stateOf(snapshot: unknown): string | null {
  if (snapshot && typeof snapshot === "object" && "holdState" in snapshot) {
    const s = (snapshot as { holdState: unknown }).holdState;
    return typeof s === "string" ? s : null;
  }
  return null;
}

/** Shown by the state transition, or derived from the state: not listed as changed fields. */
const HISTORY_IGNORED = ["holdState", "schedule", "state"];
