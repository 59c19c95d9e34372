import type { SubscriptionOutput } from "@holdfast/domain";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useState } from "react";
import { Link } from "wouter";
import { useAccounts } from "../accounts.ts";
import { ErrorBanner } from "../components/error-banner.tsx";
import { HistoryTimeline, StateTransition } from "../components/history-timeline.tsx";
import { ReasonDialog } from "../components/reason-dialog.tsx";
import { HeldForBadges, SubscriptionStateBadge } from "../components/subscription-badges.tsx";
import { formatDate, formatInstant, formatRange, shortLocator } from "../format.ts";
import { formatMoney } from "../money.ts";
import { useCan, useScope } from "../session.tsx";
import {
  allowedSubscriptionMoves,
  daysLeftText,
  describeSubscriptionChange,
  isExtendable,
  snapshotState,
} from "../subscription-display.ts";
import { useSubscriptionChanged } from "../subscriptions.ts";
import { type ApiError, useTRPC } from "../trpc.ts";
import { ActionsCard } from "./subscription-actions.tsx";
import { InvoicesCard } from "./subscription-invoices.tsx";
import "../subscriptions.css";
import { usePageTitle } from "../page-title.ts";

// The dialog carries zod, react-hook-form and the API's input schemas: loaded when first opened.
const ExtendGraceDialog = lazy(() =>
  import("./extend-grace-dialog.tsx").then((m) => ({ default: m.ExtendGraceDialog })),
);

export function SubscriptionDetail({ locator }: { locator: string }) {
  usePageTitle(`Subscription ${shortLocator(locator)}`);
  const trpc = useTRPC();
  const scope = useScope();
  const sub = useQuery(trpc.subscriptions.get.queryOptions({ ...scope, locator }));
  if (sub.isPending) return <p className="page-status">Loading subscription…</p>;
  if (sub.error) {
    return (
      <section>
        <h1>Subscription {locator}</h1>
        <ErrorBanner error={sub.error} />
        <Link href="/subscriptions">Back to the subscriptions</Link>
      </section>
    );
  }
  return <SubscriptionView sub={sub.data} />;
}

const PAYMENT_MODEL_TEXT: Record<SubscriptionOutput["paymentModel"], string> = {
  pay_before_bill: "pay before bill",
  pay_after_bill: "pay after bill",
};

function SubscriptionView({ sub }: { sub: SubscriptionOutput }) {
  const trpc = useTRPC();
  const scope = useScope();
  const queryClient = useQueryClient();
  const accounts = useAccounts();
  const changed = useSubscriptionChanged();
  const canWrite = useCan("subscriptions:write");
  const [moveError, setMoveError] = useState<ApiError | null>(null);
  const [confirmTerminate, setConfirmTerminate] = useState(false);
  const [extending, setExtending] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  const options = {
    onMutate: () => {
      setMoveError(null);
      setNotice(null);
    },
    onSuccess: (next: SubscriptionOutput) => {
      changed(next.locator, next);
      setConfirmTerminate(false);
    },
    onError: (e: ApiError) => setMoveError(e),
  };
  const activate = useMutation(trpc.subscriptions.activate.mutationOptions(options));
  const terminate = useMutation(trpc.subscriptions.terminate.mutationOptions(options));
  const moves = canWrite ? allowedSubscriptionMoves(sub.state) : [];
  const extendable = canWrite && isExtendable(sub.state);
  const busy = activate.isPending || terminate.isPending;
  const stale = moveError?.data?.code === "CONFLICT" && /version|another request/.test(moveError.message);
  const move = { ...scope, locator: sub.locator, expectedVersion: sub.version };

  return (
    <article aria-labelledby="subscription-title" className="subscription-detail">
      <p className="crumbs">
        <Link href="/subscriptions">Subscriptions</Link> /
      </p>
      <div className="page-head">
        <h1 id="subscription-title">
          Subscription <span className="mono">{sub.number}</span>
        </h1>
        <div className="badges" aria-live="polite">
          <SubscriptionStateBadge state={sub.state} />
          <HeldForBadges heldFor={sub.heldFor} />
        </div>
      </div>

      <fieldset className="toolbar">
        <legend className="visually-hidden">Moves</legend>
        {moves.includes("activate") && (
          <button type="button" className="primary" disabled={busy} onClick={() => activate.mutate(move)}>
            {activate.isPending ? "Activating…" : "Activate"}
          </button>
        )}
        {extendable && (
          <button type="button" className="primary" disabled={busy} onClick={() => setExtending(true)}>
            Extend grace period
          </button>
        )}
        {moves.includes("terminate") && (
          <button type="button" className="danger" disabled={busy} onClick={() => setConfirmTerminate(true)}>
            Terminate
          </button>
        )}
        {sub.state === "terminated" && <p className="muted">Terminated is final: no moves are left.</p>}
        {!canWrite && sub.state !== "terminated" && (
          <p className="muted">You may read this tenant's subscriptions but not change them.</p>
        )}
      </fieldset>

      {notice && (
        <p className="notice ok" role="status" data-testid="subscription-notice">
          {notice}
        </p>
      )}
      {!confirmTerminate && (
        <ErrorBanner error={moveError} testId="move-error">
          {stale && (
            <button
              type="button"
              onClick={() => {
                setMoveError(null);
                void queryClient.invalidateQueries(
                  trpc.subscriptions.get.queryFilter({ ...scope, locator: sub.locator }),
                );
              }}
            >
              Reload the subscription
            </button>
          )}
        </ErrorBanner>
      )}

      <div className="detail-grid">
        <section aria-labelledby="fields-title" className="card">
          <h2 id="fields-title">Details</h2>
          <dl className="fields">
            <dt>Account</dt>
            <dd>
              {accounts.name(sub.accountLocator)}{" "}
              <Link href={`/subscriptions?account=${sub.accountLocator}`} className="small">
                its subscriptions
              </Link>
            </dd>
            <dt>Price</dt>
            <dd data-testid="subscription-price">
              {formatMoney(sub.priceMinor, sub.currency)} <span className="muted">{sub.billingPeriod}</span>
            </dd>
            <dt>Payment model</dt>
            <dd>{PAYMENT_MODEL_TEXT[sub.paymentModel]}</dd>
            <dt>Start date</dt>
            <dd>{sub.anchorDate}</dd>
            <dt>Next billing date</dt>
            <dd data-testid="next-billing-date">{sub.nextBillingDate}</dd>
            <dt>Payment term</dt>
            <dd>
              {sub.paymentTermDays} {sub.paymentTermDays === 1 ? "day" : "days"}
            </dd>
            <dt>Activated on</dt>
            <dd>{formatDate(sub.activatedOn)}</dd>
            {sub.terminationReason && (
              <>
                <dt>Termination reason</dt>
                <dd data-testid="termination-reason">{sub.terminationReason}</dd>
              </>
            )}
            {sub.terminatedOn && (
              <>
                <dt>Terminated on</dt>
                <dd>{sub.terminatedOn}</dd>
              </>
            )}
            <dt>Locator</dt>
            <dd className="mono">{sub.locator}</dd>
            <dt>Version</dt>
            <dd data-testid="subscription-version">{sub.version}</dd>
            <dt>Created</dt>
            <dd>{formatInstant(sub.createdAt)}</dd>
            <dt>Updated</dt>
            <dd>{formatInstant(sub.updatedAt)}</dd>
          </dl>
        </section>

        <div>
          <GraceCard sub={sub} />
          <HoldsCard sub={sub} />
        </div>
      </div>

      <InvoicesCard sub={sub} onPaid={(text) => setNotice(text)} />
      <ActionsCard sub={sub} onChanged={setNotice} />
      <HistoryTimeline
        entity={{ entityType: "subscription", entityId: sub.locator }}
        transition={(e) => (
          <StateTransition
            before={snapshotState(e.before)}
            after={snapshotState(e.after)}
            changes={describeSubscriptionChange(e.before, e.after).join("; ")}
          />
        )}
        ignore={SUMMARISED_IN_HISTORY}
      />

      {confirmTerminate && (
        <ReasonDialog
          title={`Terminate subscription ${sub.number}?`}
          confirmLabel="Terminate"
          cancelLabel="Keep it"
          pendingLabel="Terminating…"
          pending={terminate.isPending}
          error={moveError}
          onConfirm={({ reason, idempotencyKey }) => terminate.mutate({ ...move, reason, idempotencyKey })}
          onCancel={() => {
            setConfirmTerminate(false);
            setMoveError(null);
          }}
        >
          <p>Terminated is final: no more invoices, and its grace period can no longer be extended.</p>
        </ReasonDialog>
      )}
      {extending && (
        <Suspense fallback={null}>
          <ExtendGraceDialog
            sub={sub}
            onClose={() => setExtending(false)}
            onDone={(text) => {
              setExtending(false);
              setNotice(text);
            }}
          />
        </Suspense>
      )}
    </article>
  );
}

/** The state, and what describeSubscriptionChange says in words: not listed again as changed fields. */
const SUMMARISED_IN_HISTORY = ["state", "grace", "nextBillingDate", "lapsedOn", "businessDate"];

function GraceCard({ sub }: { sub: SubscriptionOutput }) {
  const g = sub.grace;
  return (
    <section aria-labelledby="grace-title" className="card" data-testid="grace-period">
      <h2 id="grace-title">Grace period</h2>
      {g ? (
        <>
          <p className="grace-summary">
            Ends <strong data-testid="grace-end">{g.end}</strong>
            {" · "}
            <span data-testid="grace-days-left">
              {g.pausedOn ? `paused since ${g.pausedOn}` : daysLeftText(g.daysLeft)}
            </span>
          </p>
          <dl className="fields">
            <dt>Started</dt>
            <dd>{g.start}</dd>
            <dt>Ends</dt>
            <dd>{g.end}</dd>
            <dt>Days left</dt>
            <dd>
              {g.daysLeft}
              {g.pausedOn && (
                <span className="muted">
                  {" "}
                  (paused since {g.pausedOn} by a delinquency hold: it does not count down, and its end moves out by the
                  days held on release)
                </span>
              )}
            </dd>
          </dl>
        </>
      ) : (
        <p className="muted" data-testid="grace-none">
          No grace period is running{sub.state === "effective" ? ": nothing is overdue" : ""}.
        </p>
      )}
      {sub.state === "not_effective" && (
        <p className="notice problem" data-testid="lapsed">
          Lapsed on {formatDate(sub.lapsedOn)}
          {sub.lapseReason ? ` (${sub.lapseReason.replaceAll("_", " ")})` : ""}. Extending the grace period makes it
          effective again when the account is settled or the new end is in the future.
        </p>
      )}
    </section>
  );
}

/** Whether the account is held today (from the subscription), and its active holds. */
function HoldsCard({ sub }: { sub: SubscriptionOutput }) {
  const trpc = useTRPC();
  const scope = useScope();
  const canListHolds = useCan("holds:list");
  const holds = useQuery({
    ...trpc.holds.list.queryOptions({
      ...scope,
      accountLocator: sub.accountLocator,
      states: ["active"],
      limit: 10,
    }),
    enabled: canListHolds,
  });
  return (
    <section aria-labelledby="holds-title" className="card" data-testid="hold-status">
      <h2 id="holds-title">Holds today</h2>
      <dl className="fields">
        <dt>Invoicing</dt>
        <dd data-testid="held-invoicing">
          {sub.heldFor.invoicing ? "held: no invoice is issued while it lasts" : "not held"}
        </dd>
        <dt>Delinquency</dt>
        <dd data-testid="held-delinquency">
          {sub.heldFor.delinquency ? "held: the grace period is paused and it cannot lapse" : "not held"}
        </dd>
      </dl>
      <p>
        <Link href={`/holds?account=${sub.accountLocator}`}>See the account's holds</Link>
      </p>
      {holds.data && holds.data.items.length > 0 && (
        <ul className="small">
          {holds.data.items.map((h) => (
            <li key={h.locator}>
              <Link href={`/holds/${h.locator}`} className="mono" title={h.locator}>
                {shortLocator(h.locator)}
              </Link>{" "}
              {h.targets.map((t) => t.process).join(", ")}, {formatRange(h.startDate, h.endDate)}
              {h.schedule === "scheduled" ? " (scheduled)" : ""}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
