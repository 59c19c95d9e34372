import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { Link } from "wouter";
import { DailyFigures } from "../components/daily-figures.tsx";
import { ErrorBanner } from "../components/error-banner.tsx";
import { ListStates, LoadMore } from "../components/paged-list.tsx";
import { StatusBadge } from "../components/subscription-badges.tsx";
import { formatDate, formatInstant } from "../format.ts";
import { useScope } from "../session.tsx";
import type { WorkerStatus as Status } from "../subscriptions.ts";
import { useTRPC } from "../trpc.ts";
import "../subscriptions.css";
import { ExportButton } from "../components/export-button.tsx";
import { TableScroll } from "../components/table-scroll.tsx";
import { usePageTitle } from "../page-title.ts";

export const WORKER_REFRESH_MS = 5_000;
const TICKS = 20;

type Tick = Status["ticks"][number];

/** "42 s", "3 min 5 s", "2 h 10 min". */
export function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ""}`;
}

function duration(t: Tick): string {
  if (!t.finishedAt) return "—";
  const ms = Date.parse(t.finishedAt) - Date.parse(t.startedAt);
  return ms < 1000 ? `${ms} ms` : formatSeconds(ms / 1000);
}

/**
 * The grace-period worker: how far it got, how long since it last ran, its
 * effects per day, and its tick history a page at a time, each tick linking
 * to the audit events it wrote. Refreshes itself.
 */
export function WorkerStatus() {
  usePageTitle("Worker");
  const trpc = useTRPC();
  const scope = useScope();
  const refresh = { refetchInterval: WORKER_REFRESH_MS, refetchIntervalInBackground: false, staleTime: 0 };
  const status = useQuery(trpc.worker.status.queryOptions({ ...scope, limit: 1 }, refresh));
  const ticks = useInfiniteQuery(
    trpc.worker.ticks.infiniteQueryOptions(
      { ...scope, limit: TICKS },
      { ...refresh, getNextPageParam: (last) => last.nextCursor ?? undefined, placeholderData: keepPreviousData },
    ),
  );
  const daily = useQuery(trpc.worker.dailyEffects.queryOptions({ ...scope, days: 30 }, refresh));
  const tickRows = ticks.data?.pages.flatMap((p) => p.items) ?? [];
  const s = status.data;
  return (
    <section aria-labelledby="worker-title">
      <div className="page-head">
        <h1 id="worker-title">Worker</h1>
        <ExportButton list="worker-ticks" />
        <p className="muted small" aria-live="polite" data-testid="worker-refreshed">
          {status.dataUpdatedAt
            ? `Refreshes every ${WORKER_REFRESH_MS / 1000} s; last at ${formatInstant(new Date(status.dataUpdatedAt).toISOString())}`
            : ""}
          {status.isFetching ? " · refreshing…" : ""}
        </p>
      </div>
      <ErrorBanner error={status.error} />
      {status.isPending && <p className="page-status">Loading the worker's status…</p>}
      {s && (
        <>
          <dl className="stats" data-testid="worker-stats">
            <div>
              <dt>Today (tenant)</dt>
              <dd data-testid="worker-today">{s.today}</dd>
            </div>
            <div>
              <dt>Processed through</dt>
              <dd data-testid="worker-processed-through">{formatDate(s.processedThrough, "not yet")}</dd>
            </div>
            <div>
              <dt>Lag</dt>
              <dd data-testid="worker-lag-days">
                {s.lagDays === null ? "—" : s.lagDays} <span className="unit">{s.lagDays === 1 ? "day" : "days"}</span>
              </dd>
            </div>
            <div>
              <dt>Since the last tick</dt>
              <dd data-testid="worker-lag-seconds">
                {s.lagSeconds === null ? "never ran" : formatSeconds(s.lagSeconds)}
              </dd>
            </div>
            <div>
              <dt>Invoices due</dt>
              <dd data-testid="worker-due-invoices">{s.dueInvoices}</dd>
            </div>
            <div>
              <dt>Live workers</dt>
              <dd data-testid="worker-live">{s.workers.length}</dd>
            </div>
          </dl>
          {s.stalled && <StalledWarning lastTickAt={s.lastTickAt} />}
          {s.lagDays !== null && s.lagDays > 0 && (
            <p className="notice problem" role="status">
              The worker is {s.lagDays} business {s.lagDays === 1 ? "day" : "days"} behind: its next tick catches them
              up.
            </p>
          )}

          <DailyTotals effects={daily.data?.days} />

          <section aria-labelledby="ticks-title" className="card">
            <h2 id="ticks-title">Tick history</h2>
            <ErrorBanner error={ticks.error} />
            <ListStates
              pages={ticks}
              count={tickRows.length}
              loading="Loading the ticks…"
              emptyTestId="ticks-empty"
              card
            >
              No tick yet: is a worker running?
            </ListStates>
            {tickRows.length > 0 && (
              <TableScroll label="Worker ticks">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Worker</th>
                      <th scope="col">Started</th>
                      <th scope="col">Finished</th>
                      <th scope="col">Status</th>
                      <th scope="col">Counts</th>
                      <th scope="col">Errors</th>
                      <th scope="col">Records</th>
                    </tr>
                  </thead>
                  <tbody>
                    {tickRows.map((t) => (
                      <TickRow key={t.id} t={t} />
                    ))}
                  </tbody>
                </table>
              </TableScroll>
            )}
            <LoadMore pages={ticks} label="Older ticks" />
          </section>
        </>
      )}
    </section>
  );
}

/** No worker has ticked for three intervals: nothing is being invoiced, started, lapsed or released. */
function StalledWarning({ lastTickAt }: { lastTickAt: string | null }) {
  return (
    <div className="notice problem" role="alert" data-testid="worker-stalled">
      <h2>The worker is not running</h2>
      <p>
        No worker has ticked for more than three of its intervals
        {lastTickAt ? ` (the last tick finished ${formatInstant(lastTickAt)})` : " (none has ever ticked)"}. Invoices,
        grace periods, lapses and hold releases wait until one runs again: start one with{" "}
        <code>pnpm --filter @holdfast/worker start</code>, or check the worker's logs.
      </p>
    </div>
  );
}

/** The counts a tick did something for, as key=value; the zeros summed up in one line. */
function Counts({ counts }: { counts: Record<string, number> }) {
  const done = Object.entries(counts).filter(([, n]) => n !== 0);
  const zeros = Object.keys(counts).length - done.length;
  return (
    <ul className="kv" data-testid="tick-counts">
      {done.map(([k, n]) => (
        <li key={k}>
          <span className="k">{k}</span>={n}
        </li>
      ))}
      {zeros > 0 && <li className="muted">{done.length ? `${zeros} others 0` : "all 0"}</li>}
    </ul>
  );
}

function TickRow({ t }: { t: Tick }) {
  return (
    <tr data-testid="tick-row" data-status={t.status}>
      <td className="mono">{t.workerId}</td>
      <td className="nowrap">
        {formatInstant(t.startedAt)}
        <span className="small muted block">clock {formatInstant(t.clockAt)}</span>
      </td>
      <td className="nowrap">
        {formatInstant(t.finishedAt)}
        <span className="small muted block">{duration(t)}</span>
      </td>
      <td>
        <StatusBadge status={t.status} testId="tick-status" />
      </td>
      <td>
        <Counts counts={t.counts} />
      </td>
      <td>
        {t.errors.length === 0 ? (
          <span className="muted">none</span>
        ) : (
          <ul className="errors-list" data-testid="tick-errors">
            {t.errors.map((e, i) => (
              // Plain strings, two may read the same; the list is never reordered.
              <li key={i}>{e}</li>
            ))}
          </ul>
        )}
      </td>
      <td>
        {/* The tick's id is the request id of every audit event it wrote. */}
        <Link href={`/audit?requestId=${encodeURIComponent(t.id)}`} data-testid="tick-records">
          Records changed
        </Link>
      </td>
    </tr>
  );
}

/** The worker's effects per business day over the last 30 days, as a chart with its figures in a table. */
function DailyTotals({ effects }: { effects: { day: string; effects: Record<string, number> }[] | undefined }) {
  if (!effects) return null;
  const series = [...new Set(effects.flatMap((d) => Object.keys(d.effects)))].sort();
  return (
    <section aria-labelledby="totals-title" className="card">
      <h2 id="totals-title">Totals per day, last 30 days</h2>
      {series.length === 0 ? (
        <p className="muted" data-testid="totals-empty">
          The worker changed nothing in the last 30 days.
        </p>
      ) : (
        <DailyFigures
          testId="worker-totals"
          label="The worker's effects per business day, last 30 days"
          rows={effects.map((d) => ({ day: d.day, values: d.effects }))}
          series={series}
        />
      )}
    </section>
  );
}
