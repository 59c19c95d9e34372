import type { AccountOutput, AccountSummaryOutput } from "@holdfast/domain";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "wouter";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { ErrorBanner } from "../components/error-banner.tsx";
import { HistoryTimeline, StateTransition } from "../components/history-timeline.tsx";
import { StateBadge } from "../components/state-badge.tsx";
import { SubscriptionStateBadge } from "../components/subscription-badges.tsx";
import { formatDate, formatRange, processLabel, shortLocator } from "../format.ts";
import { useIdempotencyKey } from "../forms/use-idempotency-key.ts";
import { formatMoney } from "../money.ts";
import { useCan, useScope } from "../session.tsx";
import { useTRPC } from "../trpc.ts";
import "../accounts.css";
import { usePageTitle } from "../page-title.ts";

/** An account's page, by locator or external id (`/accounts/CRM-1001`). */
export function AccountPage({ account }: { account: string }) {
  usePageTitle(`Account ${account}`);
  const trpc = useTRPC();
  const scope = useScope();
  const summary = useQuery(trpc.accounts.get.queryOptions({ ...scope, account }));
  if (summary.isPending) return <p className="page-status">Loading account…</p>;
  if (summary.error) {
    return (
      <section>
        <h1>Account {account}</h1>
        <ErrorBanner error={summary.error} />
        <Link href="/accounts">Back to the accounts</Link>
      </section>
    );
  }
  return <AccountView summary={summary.data} />;
}

function AccountView({ summary }: { summary: AccountSummaryOutput }) {
  const { account, today } = summary;
  const canWriteHolds = useCan("holds:write");
  return (
    <section aria-labelledby="account-title">
      <div className="page-head">
        <h1 id="account-title">{account.name}</h1>
        <div className="toolbar">
          {canWriteHolds && account.status === "open" && (
            <Link href={`/holds/new?account=${encodeURIComponent(account.locator)}`} className="button primary">
              Place hold
            </Link>
          )}
          <CloseReopen account={account} />
        </div>
      </div>
      <dl className="fields card">
        <dt>External id</dt>
        <dd className="mono">{account.externalId ?? "—"}</dd>
        <dt>Status</dt>
        <dd data-testid="account-status">{account.status}</dd>
        <dt>Locator</dt>
        <dd className="mono">{account.locator}</dd>
      </dl>

      <div className="account-facts">
        <section className="card held-today" aria-labelledby="held-today-title" data-testid="held-today">
          <h2 id="held-today-title">Held today ({today})</h2>
          {summary.heldToday.length === 0 && <p className="muted">Not held for any process today.</p>}
          {summary.heldToday.map((p) => (
            <div key={p.process} data-testid="held-process" data-process={p.process}>
              <strong>{processLabel(p.process)}</strong>
              <ul>
                {p.holds.map((h) => (
                  <li key={h.locator}>
                    <Link href={`/holds/${h.locator}`}>{h.externalTransactionId ?? shortLocator(h.locator)}</Link>{" "}
                    <span className="muted">{formatRange(h.startDate, h.endDate)}</span>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </section>
        {summary.openBalance && (
          <section className="card" aria-labelledby="balance-title" data-testid="open-balance">
            <h2 id="balance-title">Open balance</h2>
            {summary.openBalance.length === 0 && <p className="muted">Nothing open.</p>}
            {summary.openBalance.map((b) => (
              <p key={b.currency} className="balance">
                {formatMoney(b.amountMinor, b.currency)}
              </p>
            ))}
          </section>
        )}
      </div>

      <HoldsCard summary={summary} />
      {summary.subscriptions && <SubscriptionsCard subscriptions={summary.subscriptions} />}
      {summary.openInvoices && <InvoicesCard invoices={summary.openInvoices} />}

      <HistoryTimeline
        entity={{ entityType: "account", entityId: account.locator }}
        transition={(e) => (
          <StateTransition
            before={statusOf(e.before)}
            after={statusOf(e.after)}
            changes={e.action === "create" ? `as ${nameOf(e.after)}` : ""}
          />
        )}
      />
    </section>
  );
}

const statusOf = (v: unknown) =>
  v && typeof v === "object" && "status" in v && typeof v.status === "string" ? v.status : null;
const nameOf = (v: unknown) => (v && typeof v === "object" && "name" in v && typeof v.name === "string" ? v.name : "");

function HoldsCard({ summary }: { summary: AccountSummaryOutput }) {
  const { account, holds } = summary;
  return (
    <section className="card" aria-labelledby="account-holds-title">
      <h2 id="account-holds-title">Holds</h2>
      {holds.length === 0 && <p className="muted">No holds.</p>}
      {holds.length > 0 && (
        <div className="table-scroll">
          <table className="data-table" data-testid="account-holds">
            <thead>
              <tr>
                <th scope="col">Hold</th>
                <th scope="col">State</th>
                <th scope="col">Processes</th>
                <th scope="col">Dates</th>
              </tr>
            </thead>
            <tbody>
              {holds.map((h) => (
                <tr key={h.locator}>
                  <td>
                    <Link href={`/holds/${h.locator}`} className="mono">
                      {h.externalTransactionId ?? shortLocator(h.locator)}
                    </Link>
                  </td>
                  <td>
                    <StateBadge state={h.holdState} />
                  </td>
                  <td>{h.targets.map((t) => t.process).join(", ")}</td>
                  <td className="nowrap">{formatRange(h.startDate, h.endDate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {summary.moreHolds && (
        <p>
          <Link href={`/holds?account=${account.locator}`}>All holds of {account.name}</Link>
        </p>
      )}
    </section>
  );
}

function SubscriptionsCard({ subscriptions }: { subscriptions: NonNullable<AccountSummaryOutput["subscriptions"]> }) {
  return (
    <section className="card" aria-labelledby="account-subs-title">
      <h2 id="account-subs-title">Subscriptions</h2>
      {subscriptions.length === 0 && <p className="muted">No subscriptions.</p>}
      {subscriptions.length > 0 && (
        <div className="table-scroll">
          <table className="data-table" data-testid="account-subscriptions">
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">State</th>
                <th scope="col">Price</th>
                <th scope="col">Next billing</th>
              </tr>
            </thead>
            <tbody>
              {subscriptions.map((s) => (
                <tr key={s.locator}>
                  <td>
                    <Link href={`/subscriptions/${s.locator}`}>{s.number}</Link>
                  </td>
                  <td>
                    <SubscriptionStateBadge state={s.state} />
                  </td>
                  <td className="num">
                    {formatMoney(s.priceMinor, s.currency)} / {s.billingPeriod}
                  </td>
                  <td className="nowrap">{formatDate(s.nextBillingDate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function InvoicesCard({ invoices }: { invoices: NonNullable<AccountSummaryOutput["openInvoices"]> }) {
  return (
    <section className="card" aria-labelledby="account-invoices-title">
      <h2 id="account-invoices-title">Open invoices</h2>
      {invoices.length === 0 && <p className="muted">No open invoices.</p>}
      {invoices.length > 0 && (
        <div className="table-scroll">
          <table className="data-table" data-testid="account-invoices">
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Due</th>
                <th scope="col">Open</th>
              </tr>
            </thead>
            <tbody>
              {invoices.map((i) => (
                <tr key={i.locator}>
                  <td>
                    <Link href={`/subscriptions/${i.subscriptionLocator}`}>{i.number}</Link>
                  </td>
                  <td className="nowrap">{formatDate(i.dueOn)}</td>
                  <td className="num">{formatMoney(i.amountMinor - i.paidMinor, i.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** Admins close an account (holds and subscriptions can no longer name it; asks first) and reopen it. */
function CloseReopen({ account }: { account: AccountOutput }) {
  const trpc = useTRPC();
  const scope = useScope();
  const queryClient = useQueryClient();
  const isAdmin = useCan("admin");
  const idempotencyKey = useIdempotencyKey();
  const [confirming, setConfirming] = useState(false);
  const onSuccess = () => {
    setConfirming(false);
    void queryClient.invalidateQueries(trpc.accounts.pathFilter());
    void queryClient.invalidateQueries(trpc.audit.history.pathFilter());
  };
  const close = useMutation(trpc.accounts.close.mutationOptions({ onSuccess }));
  const reopen = useMutation(trpc.accounts.reopen.mutationOptions({ onSuccess }));
  if (!isAdmin) return null;
  // One key per version: a retried move applies once, and the next move is a new one.
  const move = {
    ...scope,
    locator: account.locator,
    expectedVersion: account.version,
    idempotencyKey: `${idempotencyKey}-v${account.version}`,
  };
  if (account.status === "closed") {
    return (
      <>
        <button type="button" onClick={() => reopen.mutate(move)} disabled={reopen.isPending}>
          {reopen.isPending ? "Reopening…" : "Reopen account"}
        </button>
        <ErrorBanner error={reopen.error} />
      </>
    );
  }
  return (
    <>
      <button type="button" onClick={() => setConfirming(true)}>
        Close account
      </button>
      {confirming && (
        <ConfirmDialog
          title={`Close ${account.name}?`}
          confirmLabel="Close account"
          pendingLabel="Closing…"
          pending={close.isPending}
          error={close.error}
          onConfirm={() => close.mutate(move)}
          onCancel={() => setConfirming(false)}
        >
          <p>New holds and subscriptions can no longer name a closed account. An admin can reopen it.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
