/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The dashboard in a real Chromium (playwright-core, /usr/bin/chromium):
 * how long a signed-in user waits for the first rows of the holds list, and
 * how the list behaves while scrolled from top to bottom through every hold.
 * All timings are taken inside the page (performance.now() counts from the
 * navigation's start; requestAnimationFrame timestamps are frame starts).
 */
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { EMAIL, PASSWORD } from "./seed.ts";

/** The flags the dashboard's own browser tests use: headless, no sandbox, nothing reaching out on its own. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
export const VIEWPORT = { width: 1280, height: 900 };

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

/** The session cookie a sign-in left in the browser, to hand to fresh contexts. */
export type SessionCookies = Awaited<ReturnType<BrowserContext["cookies"]>>;

/** Signs in through the form, as a user does, and returns the session cookie the dashboard keeps. */
export async function signInOnce(browser: Browser, baseUrl: string): Promise<SessionCookies> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: VIEWPORT });
  try {
    context.setDefaultTimeout(60_000);
    const page = await context.newPage();
    await page.goto("/");
    await page.getByLabel("Email").fill(EMAIL);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    // Signing in lands on the overview.
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    const session = (await context.cookies()).filter((c) => c.name === "holdfast_session");
    if (session.length === 0) throw new Error("signed in, but no session cookie");
    return session;
  } finally {
    await context.close();
  }
}

/** A fresh context (empty HTTP cache: a first visit) already signed in, with the page's errors collected. */
async function signedInPage(browser: Browser, baseUrl: string, session: SessionCookies, errors: string[]) {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: VIEWPORT });
  context.setDefaultTimeout(120_000);
  // tsx (esbuild, keepNames) wraps named functions in __name(); the functions sent into the page need it there too.
  await context.addInitScript({ content: "globalThis.__name = (f) => f;" });
  await context.addCookies(session);
  // Notes when the first hold row enters the DOM, and when the frame after it has been produced (it is on screen).
  await context.addInitScript(() => {
    const w = window as unknown as { p4: { firstRowInDom?: number; firstRowShown?: number } };
    w.p4 = {};
    const observer = new MutationObserver(() => {
      if (!document.querySelector('[data-testid="hold-row"]')) return;
      observer.disconnect();
      w.p4.firstRowInDom = performance.now();
      requestAnimationFrame(() => setTimeout(() => (w.p4.firstRowShown = performance.now()), 0));
    });
    observer.observe(document, { childList: true, subtree: true });
  });
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  return { context, page };
}

export interface FirstRows {
  /** Navigation start to the first hold row in the DOM. */
  inDomMs: number;
  /** Navigation start to the frame after it (the rows are on screen). */
  shownMs: number;
  /** First contentful paint (anything at all, e.g. "Loading…"). */
  fcpMs: number | null;
}

/** One cold, signed-in visit to /holds. */
export async function measureFirstRows(browser: Browser, baseUrl: string, session: SessionCookies, errors: string[]) {
  const { context, page } = await signedInPage(browser, baseUrl, session, errors);
  try {
    await page.goto("/holds");
    await page.waitForFunction(() => (window as unknown as { p4: { firstRowShown?: number } }).p4.firstRowShown);
    return await page.evaluate((): FirstRows => {
      const p4 = (window as unknown as { p4: { firstRowInDom: number; firstRowShown: number } }).p4;
      const fcp = performance.getEntriesByName("first-contentful-paint")[0];
      return { inDomMs: p4.firstRowInDom, shownMs: p4.firstRowShown, fcpMs: fcp ? fcp.startTime : null };
    });
  } finally {
    await context.close();
  }
}

export interface ScrollRun {
  /** Scroll start until the last hold's row is fully on screen. */
  scrollThroughMs: number;
  /** Scroll start until the table announced its full size (every page loaded). */
  allLoadedMs: number | null;
  frames: number[];
  /** Frames in which the page could not scroll further: at the end of what was loaded, waiting for the next page. */
  waitingFrames: number;
  longTasks: number[];
  maxRowsInDom: number;
  maxHoldRowsInDom: number;
  rowCountAttr: string | null;
  lastRowIndex: string | null;
  /** A hold row's height as laid out (the list's estimate should match it). */
  rowHeightPx: number | null;
  heapBeforeMb: number | null;
  heapAfterMb: number | null;
  timedOut: boolean;
}

/**
 * Scrolls the list from the top to the last hold, `stepPx` per animation
 * frame (a fast, steady fling), recording every frame's duration, every long
 * task (> 50 ms of main-thread work) and the most rows the table ever held.
 */
export async function measureScroll(
  browser: Browser,
  baseUrl: string,
  session: SessionCookies,
  lastLocator: string,
  stepPx: number,
  errors: string[],
): Promise<{ run: ScrollRun; profile: ProfileSummary }> {
  const { context, page } = await signedInPage(browser, baseUrl, session, errors);
  try {
    await page.goto("/holds");
    await page.locator('[data-testid="hold-row"]').first().waitFor();
    // A trace of the page's main thread while it scrolls: where the frame time goes, in wall time and in CPU time
    // (thread time does not count the waits for a CPU that a loaded machine adds).
    await browser.startTracing(page, { categories: ["devtools.timeline", "disabled-by-default-devtools.timeline"] });
    const run = await scrollToEnd(page, lastLocator, stepPx);
    const trace = await browser.stopTracing();
    return { run, profile: summarizeTrace(trace) };
  } finally {
    await context.close();
  }
}

export interface ProfileSummary {
  /** The page's main thread: wall and CPU time of every task it ran during the scroll. */
  tasks: { count: number; wallMs: number; cpuMs: number };
  /** Time by kind of work (inclusive: a Layout inside a script's call counts in both). */
  byName: { name: string; count: number; wallMs: number; cpuMs: number }[];
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

/** Work kinds worth showing, as the trace names them. */
const KINDS = new Set([
  "FunctionCall",
  "EventDispatch",
  "FireAnimationFrame",
  "TimerFire",
  "UpdateLayoutTree",
  "Layout",
  "PrePaint",
  "Paint",
  "Layerize",
  "Commit",
  "HitTest",
  "MinorGC",
  "MajorGC",
  "V8.GC_SCAVENGER",
  "V8.GC_MC_BACKGROUND_MARKING",
  "ParseHTML",
  "EvaluateScript",
]);

function summarizeTrace(buffer: Buffer): ProfileSummary {
  const parsed = JSON.parse(buffer.toString("utf8")) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
  // The renderer main thread that did the most: the page's.
  const mains = new Set(
    events
      .filter((e) => e.ph === "M" && e.name === "thread_name" && e.args?.name === "CrRendererMain")
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const busiest = new Map<string, number>();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (e.ph === "X" && mains.has(key)) busiest.set(key, (busiest.get(key) ?? 0) + (e.dur ?? 0));
  }
  const main = [...busiest.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const tasks = { count: 0, wallMs: 0, cpuMs: 0 };
  const byName = new Map<string, { count: number; wallMs: number; cpuMs: number }>();
  for (const e of events) {
    if (e.ph !== "X" || `${e.pid}:${e.tid}` !== main) continue;
    const wallMs = (e.dur ?? 0) / 1000;
    const cpuMs = (e.tdur ?? 0) / 1000;
    if (e.name === "RunTask" || e.name === "ThreadControllerImpl::RunTask") {
      tasks.count++;
      tasks.wallMs += wallMs;
      tasks.cpuMs += cpuMs;
    } else if (KINDS.has(e.name)) {
      const sum = byName.get(e.name) ?? { count: 0, wallMs: 0, cpuMs: 0 };
      sum.count++;
      sum.wallMs += wallMs;
      sum.cpuMs += cpuMs;
      byName.set(e.name, sum);
    }
  }
  return {
    tasks,
    byName: [...byName.entries()].map(([name, v]) => ({ name, ...v })).sort((a, b) => b.wallMs - a.wallMs),
  };
}

async function scrollToEnd(page: Page, lastLocator: string, stepPx: number): Promise<ScrollRun> {
  return page.evaluate(
    ({ lastLocator, stepPx, capMs }) =>
      new Promise<ScrollRun>((resolve) => {
        const table = document.querySelector('[data-testid="holds-table"]');
        if (!table) throw new Error("no holds table");
        const heap = () => {
          const m = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
          return m ? m.usedJSHeapSize / 2 ** 20 : null;
        };
        const heapBeforeMb = heap();
        const firstRow = table.querySelector('[data-testid="hold-row"]');
        const rowHeightPx = firstRow ? firstRow.getBoundingClientRect().height : null;
        let maxRowsInDom = 0;
        let maxHoldRowsInDom = 0;
        const countRows = () => {
          maxRowsInDom = Math.max(maxRowsInDom, table.querySelectorAll("tr").length);
          maxHoldRowsInDom = Math.max(maxHoldRowsInDom, table.querySelectorAll('[data-testid="hold-row"]').length);
        };
        countRows();
        const rows = new MutationObserver(countRows);
        rows.observe(table, { childList: true, subtree: true });
        const longTasks: number[] = [];
        let tasks: PerformanceObserver | undefined;
        try {
          tasks = new PerformanceObserver((list) => {
            for (const e of list.getEntries()) longTasks.push(e.duration);
          });
          tasks.observe({ type: "longtask" });
        } catch {
          // No Long Tasks API: the frame times still tell.
        }
        const frames: number[] = [];
        let waitingFrames = 0;
        let allLoadedMs: number | null = null;
        let start = 0;
        let previous = 0;
        const finish = (now: number, timedOut: boolean) => {
          for (const e of tasks?.takeRecords() ?? []) longTasks.push(e.duration);
          tasks?.disconnect();
          rows.disconnect();
          countRows();
          const last = [...table.querySelectorAll('[data-testid="hold-row"]')].at(-1);
          resolve({
            scrollThroughMs: now - start,
            allLoadedMs,
            frames,
            waitingFrames,
            longTasks,
            maxRowsInDom,
            maxHoldRowsInDom,
            rowCountAttr: table.getAttribute("aria-rowcount"),
            lastRowIndex: last?.getAttribute("aria-rowindex") ?? null,
            rowHeightPx,
            heapBeforeMb,
            heapAfterMb: heap(),
            timedOut,
          });
        };
        const frame = (now: number) => {
          frames.push(now - previous);
          previous = now;
          if (allLoadedMs === null && table.getAttribute("aria-rowcount") !== "-1") allLoadedMs = now - start;
          const lastRow = document.querySelector(`[data-testid="hold-row"][data-locator="${lastLocator}"]`);
          if (lastRow) {
            const box = lastRow.getBoundingClientRect();
            if (box.top >= 0 && box.bottom <= window.innerHeight + 1) return finish(now, false);
          }
          if (now - start > capMs) return finish(now, true);
          const before = window.scrollY;
          window.scrollBy(0, stepPx);
          if (window.scrollY === before) waitingFrames++;
          requestAnimationFrame(frame);
        };
        requestAnimationFrame((now) => {
          start = now;
          previous = now;
          window.scrollBy(0, stepPx);
          requestAnimationFrame(frame);
        });
      }),
    { lastLocator, stepPx, capMs: 300_000 },
  );
}
