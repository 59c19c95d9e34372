import { HOLD_PROCESSES, HOLD_STATES, type HoldOutput, type HoldProcess, type HoldState } from "@holdfast/domain";
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { Link, useLocation, useSearchParams } from "wouter";
import { useAccounts } from "../accounts.ts";
import { ErrorBanner } from "../components/error-banner.tsx";
import { ScheduleBadge, StateBadge } from "../components/state-badge.tsx";
import { formatInstant, formatRange, shortLocator } from "../format.ts";
import { useCan, useScope } from "../session.tsx";
import { useTRPC } from "../trpc.ts";

const PAGE_SIZE = 50;

const isState = (s: string): s is HoldState => (HOLD_STATES as readonly string[]).includes(s);
const isProcess = (s: string): s is HoldProcess => (HOLD_PROCESSES as readonly string[]).includes(s);

/** Every hold of the tenant, newest first, filtered by the URL (so a filtered list can be linked and survives "back"). */
export function HoldsList() {
  const trpc = useTRPC();
  const scope = useScope();
  const accounts = useAccounts();
  const [, navigate] = useLocation();
  const [params, setParams] = useSearchParams();
  const canWrite = useCan("holds:write");

  const states = params.getAll("state").filter(isState);
  const processParam = params.get("process") ?? "";
  const process = isProcess(processParam) ? processParam : undefined;
  const accountLocator = params.get("account") || undefined;

  const input = {
    ...scope,
    limit: PAGE_SIZE,
    ...(states.length ? { states } : {}),
    ...(process ? { process } : {}),
    ...(accountLocator ? { accountLocator } : {}),
  };
  const holds = useInfiniteQuery(
    trpc.holds.list.infiniteQueryOptions(input, {
      getNextPageParam: (last) => last.nextCursor ?? undefined,
      placeholderData: keepPreviousData,
    }),
  );
  const items = holds.data?.pages.flatMap((p) => p.items) ?? [];

  function setFilter(mutate: (next: URLSearchParams) => void) {
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        mutate(next);
        return next;
      },
      { replace: true },
    );
  }

  function toggleState(state: HoldState, on: boolean) {
    setFilter((next) => {
      const chosen = new Set(next.getAll("state"));
      if (on) chosen.add(state);
      else chosen.delete(state);
      next.delete("state");
      for (const s of HOLD_STATES) if (chosen.has(s)) next.append("state", s);
    });
  }

  return (
    <section aria-labelledby="holds-title">
      <div className="page-head">
        <h1 id="holds-title">Holds</h1>
        {canWrite && (
          <Link href="/holds/new" className="button primary">
            New hold
          </Link>
        )}
      </div>

      <form className="filters" aria-label="Filter holds" onSubmit={(e) => e.preventDefault()}>
        <fieldset>
          <legend>State</legend>
          {HOLD_STATES.map((s) => (
            <label key={s} className="check">
              <input type="checkbox" checked={states.includes(s)} onChange={(e) => toggleState(s, e.target.checked)} />
              {s}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor="filter-process">Process</label>
          <select
            id="filter-process"
            value={process ?? ""}
            onChange={(e) =>
              setFilter((n) => (e.target.value ? n.set("process", e.target.value) : n.delete("process")))
            }
          >
            <option value="">Any process</option>
            {HOLD_PROCESSES.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-account">Account</label>
          <select
            id="filter-account"
            value={accountLocator ?? ""}
            onChange={(e) =>
              setFilter((n) => (e.target.value ? n.set("account", e.target.value) : n.delete("account")))
            }
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

      <ErrorBanner error={holds.error} />

      <table className="holds-table" aria-busy={holds.isFetching}>
        <caption className="visually-hidden">Holds, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Hold</th>
            <th scope="col">Account</th>
            <th scope="col">State</th>
            <th scope="col">Targets</th>
            <th scope="col">Dates</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {items.map((h) => (
            <HoldRow
              key={h.locator}
              hold={h}
              accountName={accounts.name(h.accountLocator)}
              onOpen={() => navigate(`/holds/${h.locator}`)}
            />
          ))}
        </tbody>
      </table>
      {holds.isPending && <p className="page-status">Loading holds…</p>}
      {!holds.isPending && !holds.error && items.length === 0 && (
        <p className="empty" data-testid="holds-empty">
          No holds match these filters.
        </p>
      )}
      {holds.hasNextPage && (
        <button
          type="button"
          className="load-more"
          onClick={() => holds.fetchNextPage()}
          disabled={holds.isFetchingNextPage}
        >
          {holds.isFetchingNextPage ? "Loading…" : "Load more"}
        </button>
      )}
    </section>
  );
}

function HoldRow({ hold, accountName, onOpen }: { hold: HoldOutput; accountName: string; onOpen: () => void }) {
  return (
    <tr className="clickable" onClick={onOpen} data-testid="hold-row" data-locator={hold.locator}>
      <td>
        <Link
          href={`/holds/${hold.locator}`}
          onClick={(e) => e.stopPropagation()}
          className="mono"
          title={hold.locator}
        >
          {shortLocator(hold.locator)}
        </Link>
      </td>
      <td>{accountName}</td>
      <td>
        <StateBadge state={hold.holdState} />{" "}
        <ScheduleBadge schedule={hold.schedule === "scheduled" ? "scheduled" : null} />
      </td>
      <td>{hold.targets.map((t) => t.process).join(", ")}</td>
      <td className="nowrap">{formatRange(hold.startDate, hold.endDate)}</td>
      <td className="nowrap">{formatInstant(hold.updatedAt)}</td>
    </tr>
  );
}
