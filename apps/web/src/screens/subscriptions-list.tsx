import { SUBSCRIPTION_SORTS, type SubscriptionOutput } from "@holdfast/domain";
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useLocation, useSearchParams } from "wouter";
import { useAccounts } from "../accounts.ts";
import { BulkBar, RowCheck } from "../bulk/bulk-bar.tsx";
import { BulkExtendDialog } from "../bulk/bulk-extend-dialog.tsx";
import { ariaSort, useListSort } from "../bulk/list-sort.ts";
import { gatherLocators, useSelection } from "../bulk/selection.ts";
import { SortButton } from "../bulk/sort-header.tsx";
import { ErrorBanner } from "../components/error-banner.tsx";
import { ListStates, LoadMore } from "../components/paged-list.tsx";
import { HeldForBadges, SubscriptionStateBadge } from "../components/subscription-badges.tsx";
import { formatDate } from "../format.ts";
import { formatMoney } from "../money.ts";
import { useCan, useScope } from "../session.tsx";
import { daysLeftText, SUBSCRIPTION_VIEWS } from "../subscription-display.ts";
import { useTRPC, useTRPCClient } from "../trpc.ts";
import "../subscriptions.css";
import { ExportButton } from "../components/export-button.tsx";
import { TableScroll } from "../components/table-scroll.tsx";
import { usePageTitle } from "../page-title.ts";

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
  usePageTitle("Subscriptions");
  const trpc = useTRPC();
  const scope = useScope();
  const accounts = useAccounts();
  const canWrite = useCan("subscriptions:write");
  const [, navigate] = useLocation();
  const [params, setParams] = useSearchParams();
  const client = useTRPCClient();
  const sort = useListSort(SUBSCRIPTION_SORTS);
  const [extending, setExtending] = useState<readonly string[] | null>(null);

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
    ...sort.input,
  };
  const selection = useSelection(JSON.stringify([view, days, accountLocator]));
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

      {canWrite && (
        <BulkBar
          noun="subscriptions"
          selection={selection}
          loaded={items.length}
          complete={!list.hasNextPage && !list.isPending}
          gatherAll={() =>
            gatherLocators((cursor) => client.subscriptions.list.query({ ...input, limit: 500, cursor }))
          }
        >
          <button type="button" className="primary" onClick={() => setExtending([...selection.selected])}>
            Extend grace…
          </button>
        </BulkBar>
      )}
      {extending && (
        <BulkExtendDialog
          locators={extending}
          onClose={(done) => {
            setExtending(null);
            if (done) selection.clear();
          }}
        />
      )}

      <TableScroll label="Subscriptions">
        <table className="data-table stack" aria-busy={list.isFetching}>
          <caption className="visually-hidden">
            Subscriptions ({VIEW_LABELS[view]}
            {view === "lapsing" ? `, within ${days} days` : ""}),{" "}
            {sort.sort ? `by ${sort.sort} ${sort.order === "asc" ? "ascending" : "descending"}` : "newest first"}
          </caption>
          <thead>
            <tr>
              <th scope="col" aria-sort={ariaSort(sort, ["number"])}>
                {canWrite && (
                  <input
                    type="checkbox"
                    className="row-check"
                    aria-label="Select the loaded subscriptions"
                    checked={items.length > 0 && items.every((s) => selection.has(s.locator))}
                    onChange={(e) => {
                      for (const s of items) selection.toggle(s.locator, e.target.checked);
                    }}
                  />
                )}
                <SortButton column="number" label="Number" sort={sort} />
              </th>
              <th scope="col">Account</th>
              <th scope="col" aria-sort={ariaSort(sort, ["state"])}>
                <SortButton column="state" label="State" sort={sort} />
              </th>
              <th scope="col" className="amount">
                Price
              </th>
              <th scope="col">Period</th>
              <th scope="col" aria-sort={ariaSort(sort, ["nextBillingDate"])}>
                <SortButton column="nextBillingDate" label="Next billing" sort={sort} />
              </th>
              <th scope="col" aria-sort={ariaSort(sort, ["graceEnd"])}>
                <SortButton column="graceEnd" label="Grace ends" sort={sort} />
              </th>
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
                selected={canWrite ? selection.has(s.locator) : null}
                onToggle={selection.toggle}
              />
            ))}
          </tbody>
        </table>
      </TableScroll>
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
  selected,
  onToggle,
}: {
  sub: SubscriptionOutput;
  accountName: string;
  onOpen: () => void;
  /** Null: rows cannot be picked. */
  selected: boolean | null;
  onToggle: (locator: string, on: boolean) => void;
}) {
  return (
    <tr className="clickable" onClick={onOpen} data-testid="subscription-row" data-locator={sub.locator}>
      <td data-label="Number">
        {selected !== null && (
          <RowCheck locator={sub.locator} label={`subscription ${sub.number}`} checked={selected} onToggle={onToggle} />
        )}
        <Link
          href={`/subscriptions/${sub.locator}`}
          onClick={(e) => e.stopPropagation()}
          className="mono"
          title={sub.locator}
        >
          {sub.number}
        </Link>
      </td>
      <td data-label="Account">{accountName}</td>
      <td data-label="State">
        <SubscriptionStateBadge state={sub.state} />
      </td>
      <td className="amount" data-label="Price">
        {formatMoney(sub.priceMinor, sub.currency)}
      </td>
      <td data-label="Period">{sub.billingPeriod}</td>
      <td className="nowrap" data-label="Next billing">
        {formatDate(sub.nextBillingDate)}
      </td>
      <td className="nowrap" data-testid="grace-end" data-label="Grace ends">
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
      <td data-label="Held for">
        <HeldForBadges heldFor={sub.heldFor} none={<span className="muted">—</span>} />
      </td>
    </tr>
  );
}
