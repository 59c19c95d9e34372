/**
 * A small line chart as standalone SVG (no browser, no library): log-scale x
 * over the expected sizes, linear or log y, one line per series with a
 * labelled marker per measured point, a legend, and `<title>`/`<desc>` for
 * screen readers. A size a series was not measured at is drawn as a dashed
 * gap (no marker) and listed in the notes under the chart.
 */

export interface ChartPoint {
  x: number;
  y: number;
  /** Text beside the marker, e.g. "505/s". */
  label: string;
}

export interface ChartSeries {
  name: string;
  points: ChartPoint[];
}

export interface ChartSpec {
  title: string;
  /** One or two sentences: what is plotted, for the accessible description. */
  description: string;
  xLabel: string;
  yLabel: string;
  /** The sizes the chart is about (x ticks), e.g. 8, 32, 128. */
  xs: number[];
  xTick: (x: number) => string;
  /** A size in words for point titles and the description, e.g. "32 clients" (default: the tick). */
  xText?: (x: number) => string;
  yTick: (y: number) => string;
  yLog?: boolean;
  series: ChartSeries[];
  /** Lines under the chart (missing points, provenance). */
  notes: string[];
}

const W = 720;
const PLOT = { left: 80, right: 190, top: 56, bottom: 70 };
const H_PLOT = 300;
const COLORS = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bc4c00"];

export function escapeXml(s: string): string {
  return s.replace(
    /[<>&"']/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c] ?? c,
  );
}

/** About five round y ticks from 0 (linear) or powers of ten (log) covering `max`. */
function yTicks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const lo = Math.floor(Math.log10(min));
    const hi = Math.ceil(Math.log10(max));
    return Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
  }
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const ticks = [];
  for (let v = 0; v <= max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export function lineChart(spec: ChartSpec): string {
  const ys = spec.series.flatMap((s) => s.points.map((p) => p.y)).filter((y) => y > 0);
  const yMax = ys.length ? Math.max(...ys) : 1;
  const yMin = ys.length ? Math.min(...ys) : 1;
  const ticks = yTicks(yMin, yMax * (spec.yLog ? 1 : 1.1), Boolean(spec.yLog));
  const yTop = ticks.at(-1) ?? 1;
  const yBottom = spec.yLog ? (ticks[0] ?? 1) : 0;
  const plotW = W - PLOT.left - PLOT.right;
  const xLo = Math.log(Math.min(...spec.xs) / 1.6);
  const xHi = Math.log(Math.max(...spec.xs) * 1.6);
  const px = (x: number) => PLOT.left + ((Math.log(x) - xLo) / (xHi - xLo)) * plotW;
  const py = (y: number) => {
    const f = spec.yLog
      ? (Math.log(y) - Math.log(yBottom)) / (Math.log(yTop) - Math.log(yBottom))
      : (y - yBottom) / (yTop - yBottom);
    return PLOT.top + H_PLOT - f * H_PLOT;
  };
  const height = PLOT.top + H_PLOT + PLOT.bottom + spec.notes.length * 18;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" role="img" aria-labelledby="title desc" font-family="system-ui, sans-serif" font-size="12">`,
    `<title id="title">${escapeXml(spec.title)}</title>`,
    `<desc id="desc">${escapeXml(describe(spec))}</desc>`,
    `<rect width="${W}" height="${height}" fill="#ffffff"/>`,
    `<text x="${PLOT.left}" y="28" font-size="16" font-weight="600" fill="#1f2328">${escapeXml(spec.title)}</text>`,
  );
  // Axes and grid.
  const bottom = PLOT.top + H_PLOT;
  for (const t of ticks) {
    const y = py(t);
    out.push(
      `<line x1="${PLOT.left}" x2="${PLOT.left + plotW}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#d0d7de" stroke-width="1"/>`,
      `<text x="${PLOT.left - 8}" y="${(y + 4).toFixed(1)}" text-anchor="end" fill="#57606a">${escapeXml(spec.yTick(t))}</text>`,
    );
  }
  for (const x of spec.xs) {
    const X = px(x);
    out.push(
      `<line x1="${X.toFixed(1)}" x2="${X.toFixed(1)}" y1="${PLOT.top}" y2="${bottom}" stroke="#eaeef2" stroke-width="1"/>`,
      `<text x="${X.toFixed(1)}" y="${bottom + 18}" text-anchor="middle" fill="#57606a">${escapeXml(spec.xTick(x))}</text>`,
    );
  }
  out.push(
    `<line x1="${PLOT.left}" x2="${PLOT.left + plotW}" y1="${bottom}" y2="${bottom}" stroke="#57606a"/>`,
    `<line x1="${PLOT.left}" x2="${PLOT.left}" y1="${PLOT.top}" y2="${bottom}" stroke="#57606a"/>`,
    `<text x="${PLOT.left + plotW / 2}" y="${bottom + 40}" text-anchor="middle" fill="#1f2328">${escapeXml(spec.xLabel)}</text>`,
    `<text transform="translate(20 ${PLOT.top + H_PLOT / 2}) rotate(-90)" text-anchor="middle" fill="#1f2328">${escapeXml(spec.yLabel)}</text>`,
  );
  // Labels at one size are spread at least 14 px apart vertically, in the order of their points.
  const labelY = new Map<string, number>();
  for (const x of new Set(spec.series.flatMap((s) => s.points.map((p) => p.x)))) {
    const at = spec.series
      .flatMap((s, i) =>
        s.points.filter((p) => p.x === x && p.y > 0).map((p) => ({ key: `${i}@${x}`, y: py(p.y) - 7 })),
      )
      .sort((a, b) => b.y - a.y);
    let floor = Number.POSITIVE_INFINITY;
    for (const l of at) {
      const y = Math.min(l.y, floor - 14);
      labelY.set(l.key, y);
      floor = y;
    }
  }
  // Series: a solid line between neighbouring measured sizes, dashed across a size that was not measured.
  spec.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = [...s.points].filter((p) => p.y > 0).sort((a, b) => a.x - b.x);
    for (let k = 1; k < pts.length; k++) {
      const a = pts[k - 1] as ChartPoint;
      const b = pts[k] as ChartPoint;
      const gap = spec.xs.some((x) => x > a.x && x < b.x);
      out.push(
        `<line x1="${px(a.x).toFixed(1)}" y1="${py(a.y).toFixed(1)}" x2="${px(b.x).toFixed(1)}" y2="${py(b.y).toFixed(1)}" stroke="${color}" stroke-width="2"${gap ? ' stroke-dasharray="4 4"' : ""}/>`,
      );
    }
    for (const p of pts) {
      out.push(
        `<g><title>${escapeXml(`${s.name}: ${p.label} at ${(spec.xText ?? spec.xTick)(p.x)}`)}</title><circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="4" fill="${color}"/></g>`,
        `<text x="${(px(p.x) + 7).toFixed(1)}" y="${(labelY.get(`${i}@${p.x}`) ?? py(p.y) - 7).toFixed(1)}" fill="${color}">${escapeXml(p.label)}</text>`,
      );
    }
    const ly = PLOT.top + 8 + i * 20;
    const lx = PLOT.left + plotW + 20;
    out.push(
      `<line x1="${lx}" x2="${lx + 20}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
      `<circle cx="${lx + 10}" cy="${ly}" r="4" fill="${color}"/>`,
      `<text x="${lx + 28}" y="${ly + 4}" fill="#1f2328">${escapeXml(s.name)}</text>`,
    );
  });
  if (spec.series.length === 0)
    out.push(
      `<text x="${PLOT.left + plotW / 2}" y="${PLOT.top + H_PLOT / 2}" text-anchor="middle" fill="#57606a">no points measured yet</text>`,
    );
  spec.notes.forEach((n, i) => {
    out.push(`<text x="${PLOT.left}" y="${bottom + 62 + i * 18}" fill="#57606a">${escapeXml(n)}</text>`);
  });
  out.push("</svg>", "");
  return out.join("\n");
}

/** The chart in words: every measured point, and the notes. */
function describe(spec: ChartSpec): string {
  const parts = [spec.description];
  for (const s of spec.series)
    parts.push(
      `${s.name}: ${[...s.points]
        .sort((a, b) => a.x - b.x)
        .map((p) => `${p.label} at ${(spec.xText ?? spec.xTick)(p.x)}`)
        .join(", ")}.`,
    );
  return [...parts, ...spec.notes].join(" ");
}
