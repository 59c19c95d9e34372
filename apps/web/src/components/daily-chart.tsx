import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

/** One bar per day; each series a stacked part of it. */
export interface DailyChartProps {
  /** What the chart shows, read out by assistive technology with its figures (the chart's text alternative is a table beside it). */
  label: string;
  rows: { day: string; values: Record<string, number> }[];
  series: string[];
}

const COLOURS = ["#1f5fbf", "#b42318", "#1a7f37", "#9a6700", "#6e40c9", "#0a7b83", "#bc4c00", "#57606a"];

/**
 * A bar chart per business day (recharts). It is drawn for sighted readers
 * only: the numbers it draws are in the visually-hidden table the caller puts
 * beside it, so the chart itself is hidden from assistive technology.
 */
export default function DailyChart({ label, rows, series }: DailyChartProps) {
  const data = rows.map((r) => ({ day: r.day.slice(5), ...r.values }));
  return (
    <div className="daily-chart" aria-hidden="true" inert data-testid="daily-chart" data-label={label}>
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="day" tick={{ fontSize: 11 }} interval="preserveStartEnd" />
          <YAxis allowDecimals={false} tick={{ fontSize: 11 }} />
          <Tooltip />
          {series.length > 1 && <Legend wrapperStyle={{ fontSize: 12 }} />}
          {series.map((s, i) => (
            <Bar key={s} dataKey={s} stackId="day" fill={COLOURS[i % COLOURS.length]} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
