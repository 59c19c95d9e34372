import type { SubscriptionOutput } from "@holdfast/domain";
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useLocation, useSearchParams } from "wouter";
import { useAccounts } from "../accounts.ts";
import { ErrorBanner } from "../components/error-banner.tsx";
import { ListStates, LoadMore } from "../components/paged-list.tsx";
import { HeldForBadges, SubscriptionStateBadge } from "../components/subscription-badges.tsx";
import { formatDate } from "../format.ts";
import { formatMoney } from "../money.ts";
import { useCan, useScope } from "../session.tsx";
import { daysLeftText, SUBSCRIPTION_VIEWS } from "../subscription-display.ts";
import { useTRPC } from "../trpc.ts";
import "../subscriptions.css";
import { ExportButton } from "../components/export-button.tsx";

const PAGE_SIZE = 50;
export const DEFAULT_LAPSING_DAYS = 7;
const MAX_LAPSING_DAYS = 365;

type View = (typeof SUBSCRIPTION_VIEWS)[number];
const isView = (s: string): s is View => (SUBSCRIPTION_VIEWS as readonly string[]).includes(s);

const VIEW_LABELS: Record<View, string> = {
  all: "All",
  in_grace: "In grace",
  lapsing: "Lapsing soon",
  lapsed: "Lapsed",
};

const EMPTY_TEXT: Record<View, (days: number) => string> = {
  all: () => "No subscriptions yet.",
  in_grace: () => "No subscription is in a grace period.",
  lapsing: (days) => `No grace period ends within ${days} ${days === 1 ? "day" : "days"}.`,
  lapsed: () => "No subscription has lapsed.",
};

/** A whole number of days from 0 to 365, or null. */
function parseDays(text: string): number | null {
  if (!/^\d{1,3}$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return n <= MAX_LAPSING_DAYS ? n : null;
}

/** The tenant's subscriptions by view (all, in grace, lapsing soon, lapsed), newest first; the view lives in the URL. */
export function SubscriptionsList() {
  const trpc = useTRPC();
  const scope = useScope();
  const accounts = useAccounts();
  const canWrite = useCan("subscriptions:write");
  const [, navigate] = useLocation();
  const [params, setParams] = useSearchParams();

  const viewParam = params.get("view") ?? "all";
  const view: View = isView(viewParam) ? viewParam : "all";
  const days = parseDays(params.get("days") ?? "") ?? DEFAULT_LAPSING_DAYS;
  const [daysText, setDaysText] = useState(String(days));
  // The URL changed under the input (back, forward, another tab link): the input follows it.
  const [shownDays, setShownDays] = useState(days);
  if (days !== shownDays) {
    setShownDays(days);
    if (parseDays(daysText) !== days) setDaysText(String(days));
  }
  const daysValid = parseDays(daysText) !== null;
  const accountLocator = params.get("account") || undefined;

  const input = {
    ...scope,
    view,
    limit: PAGE_SIZE,
    ...(view === "lapsing" ? { lapsingWithinDays: days } : {}),
    ...(accountLocator ? { accountLocator } : {}),
  };
  const list = useInfiniteQuery(
    trpc.subscriptions.list.infiniteQueryOptions(input, {
      getNextPageParam: (last) => last.nextCursor ?? undefined,
      placeholderData: keepPreviousData,
    }),
  );
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];

  function hrefFor(next: View): string {
    const q = new URLSearchParams(params);
    if (next === "all") q.delete("view");
    else q.set("view", next);
    if (next !== "lapsing") q.delete("days");
    else q.set("days", String(days));
    const s = q.toString();
    return `/subscriptions${s ? `?${s}` : ""}`;
  }

  function setParam(name: string, value: string | null) {
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (value === null) next.delete(name);
        else next.set(name, value);
        return next;
      },
      { replace: true },
    );
  }

  return (
    <section aria-labelledby="subscriptions-title">
      <div className="page-head">
        <h1 id="subscriptions-title">Subscriptions</h1>
        <ExportButton list="subscriptions" filters={input} />
        {canWrite && (
          <Link href="/subscriptions/new" className="button primary">
            New subscription
          </Link>
        )}
      </div>

      <nav aria-label="Subscription views">
        <ul className="view-tabs">
          {SUBSCRIPTION_VIEWS.map((v) => (
            <li key={v}>
              <Link href={hrefFor(v)} aria-current={v === view ? "page" : undefined}>
                {VIEW_LABELS[v]}
              </Link>
            </li>
          ))}
        </ul>
      </nav>

      <form className="filters" aria-label="Filter subscriptions" onSubmit={(e) => e.preventDefault()}>
        {view === "lapsing" && (
          <div className="field lapsing-days">
            <label htmlFor="lapsing-days">Grace ends within (days)</label>
            <input
              id="lapsing-days"
              type="number"
              inputMode="numeric"
              min={0}
              max={MAX_LAPSING_DAYS}
              value={daysText}
              onChange={(e) => {
                setDaysText(e.target.value);
                const n = parseDays(e.target.value);
                if (n !== null) setParam("days", String(n));
              }}
              aria-invalid={!daysValid || undefined}
              aria-describedby={daysValid ? undefined : "lapsing-days-error"}
            />
            {!daysValid && (
              <p className="field-error" id="lapsing-days-error">
                must be a whole number of days from 0 to {MAX_LAPSING_DAYS}
              </p>
            )}
          </div>
        )}
        <div className="field">
          <label htmlFor="filter-account">Account</label>
          <select
            id="filter-account"
            value={accountLocator ?? ""}
            onChange={(e) => setParam("account", e.target.value || null)}
          >
            <option value="">Any account</option>
            {accounts.items.map((a) => (
              <option key={a.locator} value={a.locator}>
                {a.name}
              </option>
            ))}
          </select>
        </div>
      </form>

      <ErrorBanner error={list.error} />

      <div className="table-scroll">
        <table className="data-table" aria-busy={list.isFetching}>
          <caption className="visually-hidden">
            Subscriptions ({VIEW_LABELS[view]}
            {view === "lapsing" ? `, within ${days} days` : ""}), newest first
          </caption>
          <thead>
            <tr>
              <th scope="col">Number</th>
              <th scope="col">Account</th>
              <th scope="col">State</th>
              <th scope="col" className="amount">
                Price
              </th>
              <th scope="col">Period</th>
              <th scope="col">Next billing</th>
              <th scope="col">Grace ends</th>
              <th scope="col">Held for</th>
            </tr>
          </thead>
          <tbody>
            {items.map((s) => (
              <SubscriptionRow
                key={s.locator}
                sub={s}
                accountName={accounts.name(s.accountLocator)}
                onOpen={() => navigate(`/subscriptions/${s.locator}`)}
              />
            ))}
          </tbody>
        </table>
      </div>
      <ListStates pages={list} count={items.length} loading="Loading subscriptions…" emptyTestId="subscriptions-empty">
        {EMPTY_TEXT[view](days)}
      </ListStates>
      <LoadMore pages={list} />
    </section>
  );
}

function SubscriptionRow({
  sub,
  accountName,
  onOpen,
}: {
  sub: SubscriptionOutput;
  accountName: string;
  onOpen: () => void;
}) {
  return (
    <tr className="clickable" onClick={onOpen} data-testid="subscription-row" data-locator={sub.locator}>
      <td>
        <Link
          href={`/subscriptions/${sub.locator}`}
          onClick={(e) => e.stopPropagation()}
          className="mono"
          title={sub.locator}
        >
          {sub.number}
        </Link>
      </td>
      <td>{accountName}</td>
      <td>
        <SubscriptionStateBadge state={sub.state} />
      </td>
      <td className="amount">{formatMoney(sub.priceMinor, sub.currency)}</td>
      <td>{sub.billingPeriod}</td>
      <td className="nowrap">{formatDate(sub.nextBillingDate)}</td>
      <td className="nowrap" data-testid="grace-end">
        {sub.grace ? (
          <>
            {sub.grace.end}
            <span className={sub.grace.daysLeft <= 3 && !sub.grace.pausedOn ? "days-left soon" : "days-left"}>
              {sub.grace.pausedOn ? `paused since ${sub.grace.pausedOn}` : daysLeftText(sub.grace.daysLeft)}
            </span>
          </>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td>
        <HeldForBadges heldFor={sub.heldFor} none={<span className="muted">—</span>} />
      </td>
    </tr>
  );
}
