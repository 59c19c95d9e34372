import type { AppRouter } from "@holdfast/api";
import { useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { Link } from "wouter";
import { DailyFigures } from "../components/daily-figures.tsx";
import { ErrorBanner } from "../components/error-banner.tsx";
import { formatMoney } from "../money.ts";
import { useScope } from "../session.tsx";
import { useTRPC } from "../trpc.ts";
import { formatSeconds } from "./worker-status.tsx";
import "../overview.css";
import { usePageTitle } from "../page-title.ts";

type Overview = inferRouterOutputs<AppRouter>["overview"]["get"];

/** The subscriptions whose grace period ends within `days` days (the list's "Lapsing soon" view). */
const lapsingHref = (days: number) => `/subscriptions?view=lapsing&days=${days}`;
/** Overdue invoices have no list of their own: the subscriptions in grace are the ones behind them. */
const IN_GRACE_HREF = "/subscriptions?view=in_grace";

/** The first screen after sign-in: the tenant's figures for today, each linking to the list behind it. */
export function OverviewScreen() {
  usePageTitle("Overview");
  const trpc = useTRPC();
  const scope = useScope();
  const overview = useQuery(trpc.overview.get.queryOptions({ ...scope }, { staleTime: 10_000 }));
  const o = overview.data;
  return (
    <section aria-labelledby="overview-title" className="overview">
      <div className="page-head">
        <h1 id="overview-title">Overview</h1>
        {o && (
          <p className="muted small" data-testid="overview-today">
            Today is {o.today} ({o.timeZone})
          </p>
        )}
      </div>
      <ErrorBanner error={overview.error} />
      {overview.isPending && <p className="page-status">Loading the overview…</p>}
      {o && <Figures o={o} />}
    </section>
  );
}

function Figures({ o }: { o: Overview }) {
  const lapsing = o.lapsesDue.reduce((n, d) => n + d.count, 0);
  const overdue = o.overdue.reduce((n, b) => n + b.count, 0);
  const effects = [...new Set(o.worker.effects.flatMap((d) => Object.keys(d.effects)))].sort();
  return (
    <>
      {o.worker.stalled && (
        <p className="notice problem" role="alert" data-testid="overview-worker-stalled">
          No worker has ticked for more than three intervals: invoices, grace periods and hold releases are waiting.{" "}
          <Link href="/worker">See the worker</Link>.
        </p>
      )}
      <dl className="stats" data-testid="overview-figures">
        <Figure label="Lapsing in 30 days" value={lapsing} href={lapsingHref(30)} testId="fig-lapsing" />
        <Figure label="Grace periods running" value={o.grace.running} href={IN_GRACE_HREF} testId="fig-grace-running" />
        <Figure label="Grace periods paused" value={o.grace.paused} href={IN_GRACE_HREF} testId="fig-grace-paused" />
        <Figure label="Overdue invoices" value={overdue} href={IN_GRACE_HREF} testId="fig-overdue" />
        <Figure
          label="Worker lag"
          value={o.worker.lagDays === null ? "—" : `${o.worker.lagDays} ${o.worker.lagDays === 1 ? "day" : "days"}`}
          href="/worker"
          testId="fig-worker-lag"
          note={o.worker.lagSeconds === null ? "never ran" : `last tick ${formatSeconds(o.worker.lagSeconds)} ago`}
        />
      </dl>

      <div className="overview-grid">
        <section className="card" aria-labelledby="lapses-title">
          <h2 id="lapses-title">
            <Link href={lapsingHref(30)}>Lapses due, next 30 days</Link>
          </h2>
          <p className="muted small">Running grace periods ending each day; unpaid, they lapse the day after.</p>
          <DailyFigures
            testId="chart-lapses"
            label="Grace periods ending per day, next 30 days"
            rows={o.lapsesDue.map((d) => ({ day: d.day, values: { lapsing: d.count } }))}
            series={["lapsing"]}
            cell={(day, _s, n) => <Link href={lapsingHref(daysFrom(o.today, day))}>{n}</Link>}
          />
        </section>

        <section className="card" aria-labelledby="held-title">
          <h2 id="held-title">Holds in effect today</h2>
          {o.heldToday.length === 0 ? (
            <p className="muted" data-testid="held-empty">
              No account is held today.
            </p>
          ) : (
            <table data-testid="held-today">
              <thead>
                <tr>
                  <th scope="col">Process</th>
                  <th scope="col">Accounts held</th>
                  <th scope="col">Holds</th>
                </tr>
              </thead>
              <tbody>
                {o.heldToday.map((h) => (
                  <tr key={h.process} data-testid="held-row">
                    <th scope="row">{h.process}</th>
                    <td>
                      <Link href={`/accounts?heldFor=${encodeURIComponent(h.process)}`}>{h.accounts}</Link>
                    </td>
                    <td>{h.holds}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section className="card" aria-labelledby="overdue-title">
          <h2 id="overdue-title">
            <Link href={IN_GRACE_HREF}>Overdue invoices by age</Link>
          </h2>
          <table data-testid="overdue-buckets">
            <thead>
              <tr>
                <th scope="col">Days past due</th>
                <th scope="col">Invoices</th>
                <th scope="col">Unpaid</th>
              </tr>
            </thead>
            <tbody>
              {o.overdue.map((b) => (
                <tr key={b.bucket} data-testid="overdue-row">
                  <th scope="row">{b.bucket}</th>
                  <td>
                    <Link href={IN_GRACE_HREF}>{b.count}</Link>
                  </td>
                  <td className="money">
                    {b.amounts.length === 0
                      ? "—"
                      : b.amounts.map((a) => formatMoney(a.amountMinor, a.currency)).join(" · ")}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>

        <section className="card" aria-labelledby="effects-title">
          <h2 id="effects-title">
            <Link href="/worker">Worker effects, last 30 days</Link>
          </h2>
          {effects.length === 0 ? (
            <p className="muted" data-testid="effects-empty">
              The worker changed nothing in the last 30 days.
            </p>
          ) : (
            <DailyFigures
              testId="chart-effects"
              label="The worker's effects per day, last 30 days"
              rows={o.worker.effects.map((d) => ({ day: d.day, values: d.effects }))}
              series={effects}
            />
          )}
        </section>
      </div>
    </>
  );
}

function Figure(props: { label: string; value: number | string; href: string; testId: string; note?: string }) {
  return (
    <div>
      <dt>{props.label}</dt>
      <dd>
        <Link href={props.href} data-testid={props.testId}>
          {props.value}
        </Link>
        {props.note && <span className="small muted block">{props.note}</span>}
      </dd>
    </div>
  );
}

/** Whole days from `from` to `to` (business dates, YYYY-MM-DD). */
function daysFrom(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
