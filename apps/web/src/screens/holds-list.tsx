import {
  HOLD_PROCESSES,
  HOLD_SORTS,
  HOLD_STATES,
  type HoldOutput,
  type HoldProcess,
  type HoldSort,
  type HoldState,
} from "@holdfast/domain";
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { useWindowVirtualizer } from "@tanstack/react-virtual";
import { memo, useCallback, useLayoutEffect, useMemo, useRef, useState } from "react";
import { Link, useLocation, useSearchParams } from "wouter";
import { useAccounts } from "../accounts.ts";
import { BulkBar, RowCheck } from "../bulk/bulk-bar.tsx";
import { BulkReleaseDialog } from "../bulk/bulk-release-dialog.tsx";
import { ariaSort, type ListSort, useListSort } from "../bulk/list-sort.ts";
import { gatherLocators, type Selection, useSelection } from "../bulk/selection.ts";
import { SortButton } from "../bulk/sort-header.tsx";
import { ErrorBanner } from "../components/error-banner.tsx";
import { ExportButton } from "../components/export-button.tsx";
import { LoadMore, type Pages, useFetchAhead } from "../components/paged-list.tsx";
import { ScheduleBadge, StateBadge } from "../components/state-badge.tsx";
import { formatInstant, formatRange, shortLocator } from "../format.ts";
import { usePageTitle } from "../page-title.ts";
import { useCan, useScope } from "../session.tsx";
import { useTRPC, useTRPCClient } from "../trpc.ts";

/** Holds per request: a 10,000-hold tenant is 50 requests, each small enough to answer quickly. */
const PAGE_SIZE = 200;
/** A row's height until the first row is laid out: the one-line row of styles.css. */
const ROW_ESTIMATE_PX = 40;
/** Rows rendered beyond each edge of the viewport, so a quick scroll does not show blank space. */
const OVERSCAN = 8;
/** The next page is asked for when the last rendered row is this close to the end of what is loaded. */
const FETCH_AHEAD_ROWS = 150;

const isState = (s: string): s is HoldState => (HOLD_STATES as readonly string[]).includes(s);
const isProcess = (s: string): s is HoldProcess => (HOLD_PROCESSES as readonly string[]).includes(s);

/** Every hold of the tenant, newest first, filtered by the URL (so a filtered list can be linked and survives "back"). */
export function HoldsList() {
  usePageTitle("Holds");
  const trpc = useTRPC();
  const scope = useScope();
  const accounts = useAccounts();
  const [, navigate] = useLocation();
  const [params, setParams] = useSearchParams();
  const canWrite = useCan("holds:write");
  const client = useTRPCClient();
  const sort = useListSort(HOLD_SORTS);
  const [releasing, setReleasing] = useState<readonly string[] | null>(null);

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
    ...sort.input,
  };
  const selection = useSelection(JSON.stringify([states, process, accountLocator]));
  const holds = useInfiniteQuery(
    trpc.holds.list.infiniteQueryOptions(input, {
      getNextPageParam: (last) => last.nextCursor ?? undefined,
      placeholderData: keepPreviousData,
    }),
  );
  const pages = holds.data?.pages;
  // Flattened once per page arriving, not on every scroll.
  const items = useMemo(() => pages?.flatMap((p) => p.items) ?? [], [pages]);
  const openHold = useCallback((locator: string) => navigate(`/holds/${locator}`), [navigate]);

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
        <ExportButton list="holds" filters={input} />
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

      {canWrite && (
        <BulkBar
          noun="holds"
          selection={selection}
          loaded={items.length}
          complete={!holds.hasNextPage && !holds.isPending}
          gatherAll={() => gatherLocators((cursor) => client.holds.list.query({ ...input, limit: 500, cursor }))}
        >
          <button type="button" className="danger" onClick={() => setReleasing([...selection.selected])}>
            Release…
          </button>
        </BulkBar>
      )}
      {releasing && (
        <BulkReleaseDialog
          locators={releasing}
          onClose={(done) => {
            setReleasing(null);
            if (done) selection.clear();
          }}
        />
      )}

      <HoldsTable
        holds={holds}
        items={items}
        accountName={accounts.name}
        busy={holds.isFetching && !holds.isFetchingNextPage}
        onOpen={openHold}
        sort={sort}
        selection={canWrite ? selection : null}
      />
      {holds.isPending && <p className="page-status">Loading holds…</p>}
      {!holds.isPending && !holds.error && items.length === 0 && (
        <p className="empty" data-testid="holds-empty">
          No holds match these filters.
        </p>
      )}
      <LoadMore pages={holds} />
    </section>
  );
}

/**
 * The rows as one table, however many pages are loaded: only the rows near the
 * viewport are in the DOM (the page scrolls as usual; spacer rows above and
 * below keep the scroll height), and the next page is fetched while the reader
 * is still a few screens from the end. A screen reader still hears the size:
 * aria-rowcount is the total once the last page is in (-1, "unknown", before),
 * and each row says where it is with aria-rowindex (the header row is 1).
 *
 * Its own component so that a scroll re-renders the rows, not the filters.
 */
function HoldsTable({
  holds,
  items,
  accountName,
  busy,
  onOpen,
  sort,
  selection,
}: {
  holds: Pages;
  items: HoldOutput[];
  accountName: (locator: string) => string;
  busy: boolean;
  onOpen: (locator: string) => void;
  sort: ListSort<HoldSort>;
  /** Rows can be picked for a bulk action (null: read only). */
  selection: Selection | null;
}) {
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  // Where the rows start in the page (the virtualizer works in window scroll offsets) and how tall one row is.
  // Read when the page's size changes (a page of rows arrives, the window or the font is resized, a banner
  // shows above), never while scrolling: every row is one line (styles.css), so no row is measured as it
  // scrolls in, and a frame costs no forced layout.
  const [layout, setLayout] = useState({ top: 0, rowHeight: ROW_ESTIMATE_PX });
  useLayoutEffect(() => {
    const read = () => {
      const body = bodyRef.current;
      if (!body) return;
      const top = Math.round(body.getBoundingClientRect().top + window.scrollY);
      const row = body.querySelector("tr[data-index]");
      setLayout((prev) => {
        const rowHeight = row ? row.getBoundingClientRect().height : prev.rowHeight;
        return prev.top === top && prev.rowHeight === rowHeight ? prev : { top, rowHeight };
      });
    };
    read();
    const observer = new ResizeObserver(read);
    observer.observe(document.body);
    return () => observer.disconnect();
  }, []);
  const scrollMargin = layout.top;
  const estimateSize = useCallback(() => layout.rowHeight, [layout.rowHeight]);
  // Stable between renders: a new key function would make the virtualizer recompute every row's offset on each frame.
  const itemKey = useCallback((i: number) => items[i]?.locator ?? i, [items]);
  const virtualizer = useWindowVirtualizer({
    count: items.length,
    estimateSize,
    overscan: OVERSCAN,
    scrollMargin,
    getItemKey: itemKey,
  });
  // A new row height (zoom, font size) re-lays the rows out.
  useLayoutEffect(() => {
    if (layout.rowHeight > 0) virtualizer.measure();
  }, [virtualizer, layout.rowHeight]);
  const rows = virtualizer.getVirtualItems();
  const first = rows[0];
  const last = rows.at(-1);
  useFetchAhead(holds, { loaded: items.length, lastShown: last?.index ?? -1, ahead: FETCH_AHEAD_ROWS });

  const padTop = first ? first.start - scrollMargin : 0;
  const padBottom = last ? virtualizer.getTotalSize() - (last.end - scrollMargin) : 0;
  // Known once nothing is left to fetch; the header row counts.
  const rowCount = holds.hasNextPage || holds.error ? -1 : items.length + 1;

  return (
    <table className="holds-table" aria-busy={busy} aria-rowcount={rowCount} data-testid="holds-table">
      <caption className="visually-hidden">
        Holds, {sort.sort ? `by ${sort.sort} ${sort.order === "asc" ? "ascending" : "descending"}` : "newest first"}
      </caption>
      <thead>
        <tr aria-rowindex={1}>
          <th scope="col" className="col-hold" aria-sort={ariaSort(sort, ["createdAt"])}>
            {selection && (
              <input
                type="checkbox"
                className="row-check"
                aria-label="Select the loaded holds"
                checked={items.length > 0 && items.every((h) => selection.has(h.locator))}
                onChange={(e) => {
                  for (const h of items) selection.toggle(h.locator, e.target.checked);
                }}
              />
            )}
            <SortButton column="createdAt" label="Hold" sort={sort} />
          </th>
          <th scope="col" className="col-account" aria-sort={ariaSort(sort, ["account"])}>
            <SortButton column="account" label="Account" sort={sort} />
          </th>
          <th scope="col" className="col-state" aria-sort={ariaSort(sort, ["state"])}>
            <SortButton column="state" label="State" sort={sort} />
          </th>
          <th scope="col" className="col-targets">
            Targets
          </th>
          <th scope="col" className="col-dates" aria-sort={ariaSort(sort, ["startDate", "endDate"])}>
            <SortButton column="startDate" label="Start" sort={sort} />
            <SortButton column="endDate" label="End" sort={sort} />
          </th>
          <th scope="col" className="col-updated">
            Updated
          </th>
        </tr>
      </thead>
      <tbody ref={bodyRef}>
        {padTop > 0 && <Spacer height={padTop} />}
        {rows.map((v) => {
          const h = items[v.index];
          if (!h) return null;
          return (
            <HoldRow
              key={h.locator}
              hold={h}
              index={v.index}
              accountName={accountName(h.accountLocator)}
              onOpen={onOpen}
              selected={selection ? selection.has(h.locator) : null}
              onToggle={selection?.toggle}
            />
          );
        })}
        {padBottom > 0 && <Spacer height={padBottom} />}
      </tbody>
    </table>
  );
}

/** Stands in for the rows not rendered; hidden from assistive technology, which counts rows by aria-rowindex. */
function Spacer({ height }: { height: number }) {
  return (
    // biome-ignore lint/a11y/noAriaHiddenOnFocusable: a table row takes no focus; this one is empty and only holds space.
    <tr className="spacer" aria-hidden="true" style={{ height }}>
      <td colSpan={6} />
    </tr>
  );
}

const HoldRow = memo(function HoldRow({
  hold,
  index,
  accountName,
  onOpen,
  selected,
  onToggle,
}: {
  hold: HoldOutput;
  index: number;
  accountName: string;
  onOpen: (locator: string) => void;
  /** Null: rows cannot be picked. */
  selected: boolean | null;
  onToggle: ((locator: string, on: boolean) => void) | undefined;
}) {
  const targets = hold.targets.map((t) => t.process).join(", ");
  return (
    <tr
      data-index={index}
      aria-rowindex={index + 2}
      className="clickable"
      onClick={() => onOpen(hold.locator)}
      data-testid="hold-row"
      data-locator={hold.locator}
    >
      <td>
        {selected !== null && onToggle && (
          <RowCheck locator={hold.locator} label={`hold ${hold.locator}`} checked={selected} onToggle={onToggle} />
        )}
        {/* A plain link, not wouter's Link: a Link subscribes to the location, and a fast scroll mounts
            and unmounts a dozen rows a frame. A plain click opens the hold in the app (as a Link does);
            a modified or middle click is left to the browser (new tab or window). */}
        <a
          href={`/holds/${hold.locator}`}
          onClick={(e) => {
            e.stopPropagation();
            if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
            e.preventDefault();
            onOpen(hold.locator);
          }}
          className="mono"
          title={hold.locator}
        >
          {shortLocator(hold.locator)}
        </a>
      </td>
      <td title={accountName}>{accountName}</td>
      <td>
        <StateBadge state={hold.holdState} />{" "}
        <ScheduleBadge schedule={hold.schedule === "scheduled" ? "scheduled" : null} />
      </td>
      <td title={targets}>{targets}</td>
      <td className="nowrap">{formatRange(hold.startDate, hold.endDate)}</td>
      <td className="nowrap">{formatInstant(hold.updatedAt)}</td>
    </tr>
  );
});
