import { lazy, type ReactNode, Suspense } from "react";

// recharts is large: loaded with the first chart, never with the first screen.
const DailyChart = lazy(() => import("./daily-chart.tsx"));

/**
 * A chart of figures per day, and the same figures as a visually-hidden table
 * (the chart's text alternative). `cell` renders a figure in the table (a link
 * to the list behind it, say).
 */
export function DailyFigures({
  label,
  rows,
  series,
  cell = (_day, _series, n) => n,
  testId,
}: {
  label: string;
  rows: { day: string; values: Record<string, number> }[];
  series: string[];
  cell?: (day: string, series: string, n: number) => ReactNode;
  testId: string;
}) {
  return (
    <figure className="daily-figures" data-testid={testId}>
      <Suspense fallback={<div className="daily-chart loading">Loading the chart…</div>}>
        <DailyChart label={label} rows={rows} series={series} />
      </Suspense>
      {/* A table ignores overflow: the hidden box is a div around it, so the figures never widen the page. */}
      <div className="visually-hidden">
        <table>
          <caption>{label}</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              {series.map((s) => (
                <th scope="col" key={s}>
                  {s}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.day}>
                <th scope="row">{r.day}</th>
                {series.map((s) => (
                  <td key={s}>{cell(r.day, s, r.values[s] ?? 0)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
