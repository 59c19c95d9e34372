/**
 * Shared fixtures for tests that run real worker processes against a seeded
 * database (apps/worker/test/multi-worker.int.test.ts and the reliability
 * suite's packages/reliability/test/faults-workers.test.ts; exported as
 * `@holdfast/worker/testing`).
 *
 * The seed: per tenant, `plain` due subscriptions in bulk plus a fixed set of
 * special cases (held for invoicing or delinquency, grace starts, lapses,
 * pauses, scheduled extensions, reactivations, drafts, terminated, lapsed),
 * with a three-day catch-up. The checks compute what the workers must do
 * independently in SQL from the seed and the spec, and assert each effect
 * happened exactly once.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { hostname } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Database, schema } from "@holdfast/db";
import type { HoldProcess } from "@holdfast/domain";
import { createAccount, fixedClock, forTenant, newLocator, provisionTenant } from "@holdfast/services";
import { bulkLocatorSql, days, months, seedBulkAccounts, seedHold, setProcessedThrough } from "@holdfast/testing/seed";
import { expect } from "vitest";

const WORKER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const MAIN = path.join(WORKER_DIR, "src", "main.ts");

/** The seed's date arithmetic (independent of the product's date code), for the checks too. */
export { days, months };

/** The frozen instant every worker runs at. */
export const NOW = "2027-05-15T13:30:00Z";
/** processed_through = today - 3, so each tick processes today-2, today-1 and today. */
export const CATCH_UP_DAYS = 3;
/** Seeded invoices are numbered SEED-...; the worker numbers its own INV-... */
export const WORKER_INVOICE = "INV-%";

export interface TenantSpec {
  tag: string;
  name: string;
  timeZone: string;
  /** The business date at NOW in timeZone, written out by hand (checked against PostgreSQL below). */
  today: string;
  graceDays: number;
}
export const TENANTS: TenantSpec[] = [
  { tag: "utc", name: "Lisbon Billing", timeZone: "UTC", today: "2027-05-15", graceDays: 14 },
  // NZST is UTC+12 in May: 13:30Z is already 01:30 on 16 May in Auckland.
  { tag: "akl", name: "Auckland Billing", timeZone: "Pacific/Auckland", today: "2027-05-16", graceDays: 10 },
];

// ---------------------------------------------------------------------------------------------
// Worker processes

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}
export interface RunningWorker {
  child: ChildProcess;
  pid: number;
  /** The id the worker records in worker_ticks and as the audit actor: `${hostname()}-${pid}`. */
  workerId: string;
  exited: Promise<WorkerExit>;
}

/** Every worker process started here and not yet exited. */
const spawned = new Set<ChildProcess>();

/** SIGKILLs every worker process this module started that is still running (for afterAll). */
export function killStartedWorkers() {
  for (const child of spawned) child.kill("SIGKILL");
}

/** Starts `node apps/worker/src/main.ts ...args` against `databaseUrl`; SIGKILLed if still running after killAfterMs. */

export function startWorker(
  databaseUrl: string,
  args: string[],
  killAfterMs = 150_000,
  extraEnv: Record<string, string> = {},
): RunningWorker {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: "info" };
  delete env.HOLDFAST_NOW;
  delete env.WORKER_INTERVAL_MS;
  delete env.WORKER_BATCH_SIZE;
  // A short heartbeat: a killed worker's tick is found abandoned 3 beats (600 ms) after its last one.
  env.WORKER_HEARTBEAT_MS = "200";
  Object.assign(env, extraEnv);
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: WORKER_DIR,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error("the worker process did not start");
  spawned.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  // A hung worker must not hang the suite.
  const guard = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
  const exited = new Promise<WorkerExit>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      spawned.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, pid: child.pid, workerId: `${hostname()}-${child.pid}`, exited };
}

export function expectCleanExit(e: WorkerExit) {
  expect(e.code, `worker exited ${e.code}/${e.signal}\nstdout:\n${e.stdout}\nstderr:\n${e.stderr}`).toBe(0);
}

// ---------------------------------------------------------------------------------------------
// SQL

export async function query<T = Record<string, unknown>>(
  db: Database,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  return (await db.$client.unsafe(text, params as never[])) as unknown as T[];
}
/** A text[] literal (our ids are ULIDs and plain words: nothing to quote). */
export const pgArray = (items: string[]) => `{${items.join(",")}}`;
export async function scalar(db: Database, text: string, params: unknown[] = []): Promise<number> {
  const [row] = await query<{ n: number }>(db, text, params);
  return Number(row?.n ?? 0);
}

/** "The account is held for `process` on date $2": written here from the spec, not taken from the product. */
export const held = (process: HoldProcess, date = "$2::date") => `exists (
  select 1 from holds h join hold_targets ht on ht.hold_id = h.id
   where h.tenant_id = s.tenant_id and h.account_id = s.account_id and h.state = 'active' and ht.process = '${process}'
     and coalesce(ht.start_date, h.start_date, '-infinity'::date) <= ${date}
     and coalesce(ht.end_date, h.end_date, 'infinity'::date) >= ${date})`;
export const overdue = (date = "$2::date") =>
  `exists (select 1 from invoices i where i.subscription_id = s.id and i.status = 'open' and i.due_on < ${date})`;

/** What is still due for tenant $1 on date $2: each of the worker's claims, re-run in SQL. */
export async function leftDue(db: Database, tenantId: string, today: string) {
  const [row] = await query<Record<string, number>>(
    db,
    `select
       (select count(*)::int from subscription_actions
         where tenant_id = $1 and status = 'scheduled' and scheduled_date <= $2::date) as actions,
       (select count(*)::int from subscriptions s
         where s.tenant_id = $1 and s.state = 'effective' and s.next_billing_date <= $2::date
           and not ${held("invoicing")}) as invoices,
       (select count(*)::int from subscriptions s
         where s.tenant_id = $1 and s.state = 'effective' and s.grace_start is null and ${overdue()}
           and not ${held("delinquency")}) as "graceStarts",
       (select count(*)::int from subscriptions s
         where s.tenant_id = $1 and s.state = 'effective' and s.grace_start is not null and s.grace_paused_on is null
           and ${held("delinquency")}) as pauses,
       (select count(*)::int from subscriptions s
         where s.tenant_id = $1 and s.grace_paused_on is not null and not ${held("delinquency")}) as resumes,
       (select count(*)::int from subscriptions s
         where s.tenant_id = $1 and s.state = 'effective' and s.grace_end < $2::date and s.grace_paused_on is null
           and ${overdue()} and not ${held("delinquency")}) as lapses,
       (select count(*)::int from holds
         where tenant_id = $1 and state = 'active' and end_date < $2::date) as releases`,
    [tenantId, today],
  );
  return row ?? {};
}

// ---------------------------------------------------------------------------------------------
// Seed

export type SubInsert = typeof schema.subscriptions.$inferInsert;
export type InvoiceInsert = typeof schema.invoices.$inferInsert;
export type ActionInsert = typeof schema.subscriptionActions.$inferInsert;

export interface SeededTenant extends TenantSpec {
  tenantId: string;
  firstDay: string;
  openEndedHolds: string[];
  endedHolds: string[];
}

const setupClock = fixedClock("2027-04-01T12:00:00Z");
const seedNow = new Date("2027-04-01T12:00:00Z");

/**
 * One tenant: `plain` plain due subscriptions, anchored over the last 12 days (one in 50 is three months behind:
 * its last period started before the catch-up window, so it gets one catch-up invoice of 4 periods on any day),
 * and the special cases, per tenant: 20 EH, 50 HI, 100 GS, 30 DO, 80 LA, 20 DL, 35 AC + 5 AF, 5 RE, 10 each of
 * DR, TE and NE (see below), with 5 accounts held for invoicing, 5 for delinquency and 4 invoicing holds that end
 * on the first catch-up day.
 */
export async function seedTenant(db: Database, spec: TenantSpec, plain: number): Promise<SeededTenant> {
  const T = spec.today;
  const firstDay = days(T, -(CATCH_UP_DAYS - 1));
  const { tenantId } = await provisionTenant(
    db,
    { name: spec.name, timeZone: spec.timeZone, email: `${spec.tag}@example.test`, password: "a long enough password" },
    { clock: setupClock },
  );
  const ctx = forTenant({ db, clock: setupClock, actor: { type: "system", id: "seed", name: "seed" } }, tenantId);
  await query(db, "update tenants set grace_days = $2 where id = $1", [tenantId, spec.graceDays]);
  await setProcessedThrough(db.$client, tenantId, days(T, -CATCH_UP_DAYS));

  // 1. Plain due subscriptions, in bulk: two per account, anchors over the last 12 days, one in 50 three months back.
  await seedBulkAccounts(db.$client, { tenantId, tag: spec.tag, count: Math.ceil(plain / 2) });
  await query(
    db,
    `insert into subscriptions (id, tenant_id, account_id, number, state, payment_model, price_minor, currency,
                                billing_period, anchor_date, next_period_index, next_billing_date, payment_term_days,
                                activated_on, version, created_at, updated_at)
     select ${bulkLocatorSql(spec.tag, "sub")}, $1::uuid, ${bulkLocatorSql(spec.tag, "acct", "((g + 1) / 2)")},
            'SUB-P' || lpad(g::text, 5, '0'), 'effective', 'pay_after_bill', 1000 + g, 'EUR', 'monthly',
            x.anchor, 0, x.anchor, 14, x.anchor, 1, $4::timestamptz, $4::timestamptz
       from generate_series(1, $2::int) g
       cross join lateral (
         select (case when g % 50 = 0 then ($3::date - 3 - (g % 9)) - interval '3 months'
                      else ($3::date - (g % 12))::timestamp end)::date as anchor) x`,
    [tenantId, plain, T, seedNow.toISOString()],
  );

  // 2. The special cases, with typed inserts.
  const subs: SubInsert[] = [];
  const invoices: InvoiceInsert[] = [];
  const actions: ActionInsert[] = [];
  const accounts: (typeof schema.accounts.$inferInsert)[] = [];
  const newAccount = (name: string) => {
    const id = newLocator();
    accounts.push({ id, tenantId, name });
    return id;
  };
  const sub = (
    number: string,
    accountId: string,
    o: { anchor: string; idx: number; term?: number } & Partial<SubInsert>,
  ): SubInsert => {
    const { anchor, idx, term, ...rest } = o;
    const row: SubInsert = {
      id: newLocator(),
      tenantId,
      accountId,
      number,
      state: "effective",
      paymentModel: "pay_after_bill",
      priceMinor: 5000,
      currency: "EUR",
      billingPeriod: "monthly",
      anchorDate: anchor,
      nextPeriodIndex: idx,
      nextBillingDate: months(anchor, idx),
      paymentTermDays: term ?? 14,
      activatedOn: anchor,
      version: 1,
      createdAt: seedNow,
      updatedAt: seedNow,
      ...rest,
    };
    subs.push(row);
    return row;
  };
  /** Period 0 invoiced on the anchor date, open, due `term` days later. */
  const openInvoice = (s: SubInsert) => {
    const id = newLocator();
    invoices.push({
      id,
      tenantId,
      subscriptionId: s.id,
      accountId: s.accountId,
      number: `SEED-${id.slice(-10)}`,
      amountMinor: s.priceMinor,
      currency: "EUR",
      periods: 1,
      firstPeriodIndex: 0,
      periodStart: s.anchorDate,
      periodEnd: days(months(s.anchorDate, 1), -1),
      issuedOn: s.anchorDate,
      dueOn: days(s.anchorDate, s.paymentTermDays),
      status: "open",
      createdAt: seedNow,
    });
  };
  /** An effective subscription whose period-0 invoice fell due on `dueOn` (next billing a month after the anchor). */
  const overdueSub = (number: string, accountId: string, dueOn: string, extra: Partial<SubInsert> = {}) => {
    const s = sub(number, accountId, { anchor: days(dueOn, -2), idx: 1, term: 2, ...extra });
    openInvoice(s);
    return s;
  };
  const graceEnded = (number: string, accountId: string, graceEnd: string, extra: Partial<SubInsert> = {}) => {
    const graceStart = days(graceEnd, -spec.graceDays);
    return overdueSub(number, accountId, days(graceStart, -1), { graceStart, graceEnd, ...extra });
  };

  // Accounts held through the whole window (open-ended holds), and invoicing holds that end on the first catch-up day.
  const heldAccount = async (name: string, process: HoldProcess, endDate: string | null) => {
    const account = await createAccount(ctx, { name });
    const fields = { accountLocator: account.locator, targets: [{ process }], endDate };
    const hold = await seedHold(ctx, fields, "active");
    return { accountId: account.locator, holdId: hold.locator };
  };
  const invoicingHeld = await Promise.all([0, 1, 2, 3, 4].map((k) => heldAccount(`HI ${k}`, "invoicing", null)));
  const delinquencyHeld = await Promise.all([0, 1, 2, 3, 4].map((k) => heldAccount(`DH ${k}`, "delinquency", null)));
  const endingHolds = await Promise.all([0, 1, 2, 3].map((k) => heldAccount(`EH ${k}`, "invoicing", firstDay)));

  for (let j = 0; j < 50; j++) {
    // Due, but the account is held for invoicing: no invoice.
    sub(`SUB-HI${j}`, invoicingHeld[j % 5]?.accountId ?? "", { anchor: days(T, -(j % 12)), idx: 0 });
  }
  for (let j = 0; j < 20; j++) {
    // Three periods due (anchor two months and five days back); held on the first day, free after: one catch-up invoice.
    sub(`SUB-EH${j}`, endingHolds[j % 4]?.accountId ?? "", { anchor: months(days(T, -5), -2), idx: 0 });
  }
  for (let j = 0; j < 100; j++) {
    // Overdue since today-6 .. today-1 (due_on < date): a grace period starts.
    overdueSub(`SUB-GS${j}`, newAccount(`GS ${j}`), days(T, -1 - (j % 6)));
  }
  for (let j = 0; j < 30; j++) {
    // Overdue but held for delinquency: no grace period.
    overdueSub(`SUB-DO${j}`, delinquencyHeld[j % 5]?.accountId ?? "", days(T, -1 - (j % 6)));
  }
  for (let j = 0; j < 80; j++) {
    // Grace ended today-8 .. today-1, still unpaid: lapse.
    graceEnded(`SUB-LA${j}`, newAccount(`LA ${j}`), days(T, -1 - (j % 8)));
  }
  for (let j = 0; j < 20; j++) {
    // Grace ended but held for delinquency: paused, not lapsed.
    graceEnded(`SUB-DL${j}`, delinquencyHeld[j % 5]?.accountId ?? "", days(T, -1 - (j % 8)));
  }
  const extend = (s: SubInsert, scheduledDate: string, j: number) =>
    actions.push({
      id: newLocator(),
      tenantId,
      subscriptionId: s.id,
      type: "extend_grace_period",
      status: "scheduled",
      scheduledDate,
      transactionReferenceNumber: `TRN-${spec.tag}-${s.number}-${j}`,
      requestHash: `seed-${s.number}`,
      request: { subscriptionIdentifier: { id: s.id }, endGracePeriodAfterDays: 10, scheduledDate },
      createdAt: seedNow,
      createdBy: "system:seed",
    });
  for (let j = 0; j < 40; j++) {
    // A running grace period (today-5 .. today+2) and an extension scheduled for today-2, today-1, today, or tomorrow.
    const future = j >= 35;
    const s = overdueSub(`SUB-${future ? "AF" : "AC"}${j}`, newAccount(`AC ${j}`), days(T, -6), {
      graceStart: days(T, -5),
      graceEnd: days(T, 2),
    });
    extend(s, future ? days(T, 1) : days(T, -(j % 3)), j);
  }
  for (let j = 0; j < 5; j++) {
    // Lapsed on today-7; an extension due yesterday makes it effective again.
    const s = graceEnded(`SUB-RE${j}`, newAccount(`RE ${j}`), days(T, -8), {
      state: "not_effective",
      lapsedOn: days(T, -7),
      lapseReason: "grace_period_expired",
    });
    extend(s, days(T, -1), j);
  }
  for (let j = 0; j < 10; j++) {
    // Never touched: a draft and a terminated subscription whose dates have come, and an already-lapsed one.
    sub(`SUB-DR${j}`, newAccount(`DR ${j}`), { anchor: days(T, -3), idx: 0, state: "draft", activatedOn: null });
    sub(`SUB-TE${j}`, newAccount(`TE ${j}`), {
      anchor: days(T, -3),
      idx: 0,
      state: "terminated",
      terminatedOn: days(T, -20),
    });
    graceEnded(`SUB-NE${j}`, newAccount(`NE ${j}`), days(T, -20), {
      state: "not_effective",
      lapsedOn: days(T, -19),
      lapseReason: "grace_period_expired",
    });
  }
  await db.insert(schema.accounts).values(accounts);
  for (let i = 0; i < subs.length; i += 500) await db.insert(schema.subscriptions).values(subs.slice(i, i + 500));
  await db.insert(schema.invoices).values(invoices);
  await db.insert(schema.subscriptionActions).values(actions);

  return {
    ...spec,
    tenantId,
    firstDay,
    openEndedHolds: [...invoicingHeld, ...delinquencyHeld].map((h) => h.holdId),
    endedHolds: endingHolds.map((h) => h.holdId),
  };
}

export interface ExpectedInvoice {
  subscriptionId: string;
  tenantId: string;
  first: number;
  periods: number;
  amount: number;
  periodStart: string;
  periodEnd: string;
  lastPeriodStart: string;
  nextBillingDate: string;
}

/** The invoices due on `today`, computed in SQL from the seed: every effective, unheld subscription's uninvoiced periods. */
export async function expectedInvoices(db: Database, t: SeededTenant): Promise<ExpectedInvoice[]> {
  return query<ExpectedInvoice>(
    db,
    `select s.id as "subscriptionId", s.tenant_id as "tenantId", s.next_period_index as first, p.periods,
            (p.periods * s.price_minor)::int as amount,
            (s.anchor_date + make_interval(months => s.next_period_index))::date as "periodStart",
            ((s.anchor_date + make_interval(months => s.next_period_index + p.periods))::date - 1) as "periodEnd",
            (s.anchor_date + make_interval(months => s.next_period_index + p.periods - 1))::date as "lastPeriodStart",
            (s.anchor_date + make_interval(months => s.next_period_index + p.periods))::date as "nextBillingDate"
       from subscriptions s
       cross join lateral (
         select count(*)::int as periods from generate_series(s.next_period_index, s.next_period_index + 120) k
          where (s.anchor_date + make_interval(months => k))::date <= $2::date) p
      where s.tenant_id = $1 and s.state = 'effective' and p.periods > 0 and not ${held("invoicing")}`,
    [t.tenantId, t.today],
  );
}

export const workerInvoices = (db: Database) =>
  scalar(db, `select count(*)::int as n from invoices where number like '${WORKER_INVOICE}'`);

/**
 * Waits until at least `fraction` of the expected invoices exist and one of `workers` has committed work AND has
 * a batch open right now (a transaction with an xid: it has locked claimed rows FOR UPDATE and/or written), then
 * SIGKILLs that worker and waits until PostgreSQL has dropped its connections (rolling the batch back).
 */
export async function killMidBatch(db: Database, workers: RunningWorker[], expectedInvoices: number, fraction: number) {
  // A worker may exit early (it found its share done). The rest must still be killable.
  let exited = 0;
  for (const w of workers) {
    void w.exited.then(() => {
      exited++;
    });
  }

  const target = Math.ceil(expectedInvoices * fraction);
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the workers to make progress");
    if (exited === workers.length) throw new Error("every worker exited before one could be killed mid-run");
    const invoices = await workerInvoices(db);
    if (invoices >= target) {
      const rows = await query<{ actor_id: string; n: number; in_tx: boolean }>(
        db,
        `select a.actor_id, a.n,
                exists (select 1 from pg_stat_activity p
                         where p.datname = current_database() and p.application_name = left('holdfast-worker-' || a.actor_id, 63)
                           and p.backend_xid is not null and p.state in ('active', 'idle in transaction')) as in_tx
           from (select actor_id, count(*)::int as n from audit_events where actor_type = 'worker' group by actor_id) a`,
      );
      const pick = rows.find((r) => r.n > 0 && r.in_tx);
      const victim = workers.find((w) => w.workerId === pick?.actor_id);
      if (pick && victim) {
        victim.child.kill("SIGKILL");
        const exit = await victim.exited;
        expect(exit.signal).toBe("SIGKILL");
        const app = `holdfast-worker-${victim.workerId}`.slice(0, 63);
        const until = Date.now() + 10_000;
        const open = () =>
          scalar(db, "select count(*)::int as n from pg_stat_activity where application_name = $1", [app]);
        while ((await open()) > 0) {
          if (Date.now() > until) throw new Error("the killed worker's connections are still open");
          await new Promise((r) => setTimeout(r, 50));
        }
        return { victim, invoicesAtKill: invoices, committedAtKill: pick.n };
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const NOTHING_DUE = { actions: 0, invoices: 0, graceStarts: 0, pauses: 0, resumes: 0, lapses: 0, releases: 0 };

export async function assertNothingDue(db: Database, tenants: SeededTenant[]) {
  for (const tn of tenants) {
    expect(await leftDue(db, tn.tenantId, tn.today), tn.name).toEqual(NOTHING_DUE);
    const [state] = await query<{ d: string }>(
      db,
      "select processed_through::text as d from tenant_worker_state where tenant_id = $1",
      [tn.tenantId],
    );
    expect(state?.d, tn.name).toBe(days(tn.today, -1));
  }
}

/** Every due subscription has exactly one worker invoice, for exactly the periods due; no period twice. */
export async function assertInvoices(db: Database, tenants: SeededTenant[], expected: Map<string, ExpectedInvoice>) {
  const dup = await query(
    db,
    "select subscription_id, first_period_index, count(*)::int as n from invoices group by 1, 2 having count(*) > 1",
  );
  expect(dup).toEqual([]);
  const rows = await query<{
    subscription_id: string;
    tenant_id: string;
    number: string;
    first_period_index: number;
    periods: number;
    amount_minor: number;
    period_start: string;
    period_end: string;
    issued_on: string;
    status: string;
    due_ok: boolean;
    account_ok: boolean;
  }>(
    db,
    `select i.subscription_id, i.tenant_id, s.number, i.first_period_index, i.periods, i.amount_minor::int as amount_minor,
            i.period_start, i.period_end, i.issued_on, i.status,
            i.due_on = i.issued_on + s.payment_term_days as due_ok, i.account_id = s.account_id as account_ok
       from invoices i join subscriptions s on s.id = i.subscription_id
      where i.number like '${WORKER_INVOICE}'`,
  );
  expect(rows.length).toBe(expected.size);
  const byTenant = new Map(tenants.map((tn) => [tn.tenantId, tn]));
  const seen = new Set<string>();
  const wrong: unknown[] = [];
  let late = 0;
  for (const r of rows) {
    const e = expected.get(r.subscription_id);
    const tn = byTenant.get(r.tenant_id);
    // The earliest business date it can be issued on: its last period's start, or the first day processed
    // (the day after, for the accounts whose invoicing hold ends on that first day).
    const firstFree = tn && (r.number.startsWith("SUB-EH") ? days(tn.firstDay, 1) : tn.firstDay);
    const issuedFrom = firstFree && e && e.lastPeriodStart > firstFree ? e.lastPeriodStart : firstFree;
    const ok =
      e &&
      tn &&
      !seen.has(r.subscription_id) &&
      r.first_period_index === e.first &&
      r.periods === e.periods &&
      r.amount_minor === e.amount &&
      r.period_start === e.periodStart &&
      r.period_end === e.periodEnd &&
      issuedFrom !== undefined &&
      r.issued_on >= issuedFrom &&
      r.issued_on <= tn.today &&
      r.status === "open" &&
      r.due_ok &&
      r.account_ok;
    if (issuedFrom !== undefined && r.issued_on > issuedFrom) late++;
    seen.add(r.subscription_id);
    if (!ok) wrong.push({ actual: r, expected: e });
  }
  expect(wrong.slice(0, 5)).toEqual([]);
  expect(seen.size).toBe(expected.size);
  // The subscriptions held by an invoicing hold that ended on the first day were billed only after it: one catch-up invoice.
  const endedHoldInvoices = await query<{ periods: number; issued_after_hold: boolean }>(
    db,
    `select i.periods, i.issued_on > h.end_date as issued_after_hold
       from invoices i join subscriptions s on s.id = i.subscription_id
       join holds h on h.account_id = s.account_id
      where s.number like 'SUB-EH%' and i.number like '${WORKER_INVOICE}'`,
  );
  expect(endedHoldInvoices).toHaveLength(20 * tenants.length);
  expect(endedHoldInvoices.every((r) => r.periods === 3 && r.issued_after_hold)).toBe(true);
  // Not an error: an invoice of a batch rolled back by the kill is issued on a later day of the catch-up.
  return { late };
}

/**
 * Every subscription, scheduled action and hold carries exactly the worker effects (audit events) its case calls
 * for, each once, with the matching row changes and versions; no worker (entity, action) appears twice.
 */
export async function assertEffects(
  db: Database,
  tenants: SeededTenant[],
  expected: Map<string, ExpectedInvoice>,
  plain: number,
) {
  const repeated = await query(
    db,
    "select entity_id, action, count(*)::int as n from audit_events where actor_type = 'worker' group by 1, 2 having count(*) > 1",
  );
  expect(repeated).toEqual([]);

  const tenantOf = new Map(tenants.map((tn) => [tn.tenantId, tn]));
  const subs = await query<{
    id: string;
    tenant_id: string;
    number: string;
    state: string;
    version: number;
    next_period_index: number;
    next_billing_date: string;
    grace_start: string | null;
    grace_end: string | null;
    grace_paused_on: string | null;
    lapsed_on: string | null;
    lapse_reason: string | null;
    first_overdue: string | null;
    action_date: string | null;
    actions: string[];
  }>(
    db,
    `select s.id, s.tenant_id, s.number, s.state::text as state, s.version, s.next_period_index, s.next_billing_date,
            s.grace_start, s.grace_end, s.grace_paused_on, s.lapsed_on, s.lapse_reason,
            i.first_overdue, a.action_date, coalesce(e.actions, '{}') as actions
       from subscriptions s
       left join (select subscription_id, min(due_on) + 1 as first_overdue from invoices
                   where number like 'SEED-%' group by 1) i on i.subscription_id = s.id
       left join (select subscription_id, max(scheduled_date) as action_date from subscription_actions
                   group by 1) a on a.subscription_id = s.id
       left join (select entity_id, array_agg(action order by action) as actions from audit_events
                   where actor_type = 'worker' group by 1) e on e.entity_id = s.id`,
  );
  const wrong: unknown[] = [];
  let late = 0;
  const check = (s: (typeof subs)[number], ok: boolean, why: string) => {
    if (!ok) wrong.push({ why, s });
  };
  const cases = new Map<string, number>();
  for (const s of subs) {
    const tn = tenantOf.get(s.tenant_id);
    if (!tn) throw new Error(`unknown tenant ${s.tenant_id}`);
    const kind = /^SUB-([A-Z]+)/.exec(s.number)?.[1] ?? "?";
    cases.set(kind, (cases.get(kind) ?? 0) + 1);
    const earliest = (from: string) => (from > tn.firstDay ? from : tn.firstDay);
    /** On a processed day no earlier than `from`; counts it late if a lone, uninterrupted worker would have acted earlier. */
    const onDay = (d: string | null, from: string) => {
      if (d !== null && d > earliest(from)) late++;
      return d !== null && d >= earliest(from) && d <= tn.today;
    };
    const acts = s.actions.join(",");
    switch (kind) {
      case "P":
      case "EH": {
        const e = expected.get(s.id);
        check(s, !!e, "due subscription missing from the expectation");
        if (!e) break;
        check(s, acts === (e.periods > 1 ? "issueCatchUpInvoice" : "issueInvoice"), "invoice audit");
        check(s, s.version === 2 && s.state === "effective", "one change");
        check(
          s,
          s.next_period_index === e.first + e.periods && s.next_billing_date === e.nextBillingDate,
          "next period",
        );
        check(s, s.next_billing_date > tn.today, "next billing date past today");
        break;
      }
      case "GS":
        check(s, acts === "startGracePeriod" && s.version === 2 && s.state === "effective", "grace started once");
        check(s, onDay(s.grace_start, s.first_overdue ?? "9999"), "grace starts on a day the invoice is overdue");
        check(s, s.grace_start !== null && s.grace_end === days(s.grace_start, tn.graceDays), "tenant's grace days");
        break;
      case "LA":
        check(s, acts === "lapse" && s.version === 2 && s.state === "not_effective", "lapsed once");
        check(s, s.lapse_reason === "grace_period_expired", "lapse reason");
        check(s, s.grace_end !== null && onDay(s.lapsed_on, days(s.grace_end, 1)), "lapsed after the grace end");
        break;
      case "DL":
        check(s, acts === "pauseGracePeriod" && s.version === 2 && s.state === "effective", "paused, not lapsed");
        check(s, onDay(s.grace_paused_on, tn.firstDay), "paused on a processed day");
        break;
      case "AC":
        check(s, acts === "extendGracePeriod" && s.version === 2 && s.state === "effective", "extended once");
        check(s, s.action_date !== null && s.grace_end === days(s.action_date, 10), "new end = scheduled date + 10");
        break;
      case "RE":
        check(s, acts === "extendGracePeriodAndReactivate" && s.version === 2, "reactivated once");
        check(s, s.state === "effective" && s.lapsed_on === null && s.lapse_reason === null, "effective again");
        check(s, s.action_date !== null && s.grace_end === days(s.action_date, 10), "new end");
        break;
      case "HI": // held for invoicing
      case "DO": // overdue but held for delinquency
      case "AF": // extension scheduled for tomorrow
      case "DR": // draft
      case "TE": // terminated
      case "NE": // already lapsed
        check(s, acts === "" && s.version === 1, "left alone");
        break;
      default:
        check(s, false, "unknown case");
    }
  }
  expect(wrong.slice(0, 5)).toEqual([]);
  expect(wrong.length).toBe(0);
  const n = tenants.length;
  expect(Object.fromEntries(cases)).toEqual({
    P: n * plain,
    EH: n * 20,
    HI: n * 50,
    GS: n * 100,
    DO: n * 30,
    LA: n * 80,
    DL: n * 20,
    AC: n * 35,
    AF: n * 5,
    RE: n * 5,
    DR: n * 10,
    TE: n * 10,
    NE: n * 10,
  });
  // Nothing but the due subscriptions got an invoice from the workers.
  expect(
    await scalar(
      db,
      `select count(*)::int as n from invoices i join subscriptions s on s.id = i.subscription_id
        where s.number not similar to 'SUB-(P|EH)%' and i.number like '${WORKER_INVOICE}'`,
    ),
  ).toBe(0);

  // Scheduled actions: the due ones ran once, on their own date; tomorrow's wait.
  const actions = await query<{ status: string; n: number; on_date: boolean; audits: number }>(
    db,
    `select a.status::text as status, count(*)::int as n,
            bool_and(a.applied_on is not distinct from a.scheduled_date) as on_date,
            sum((select count(*) from audit_events e where e.entity_id = a.id and e.actor_type = 'worker'))::int as audits
       from subscription_actions a group by a.status order by a.status::text`,
  );
  expect(actions).toEqual([
    { status: "executed", n: n * 40, on_date: true, audits: n * 40 },
    { status: "scheduled", n: n * 5, on_date: false, audits: 0 },
  ]);
  expect(
    await scalar(
      db,
      `select count(*)::int as n from subscription_actions a
        where a.status = 'executed' and (a.version <> 2 or a.new_grace_end <> a.scheduled_date + 10
           or not exists (select 1 from audit_events e where e.entity_id = a.id and e.action = 'execute'))`,
    ),
  ).toBe(0);

  // Holds: the invoicing holds that ended were released once; the open-ended ones are untouched.
  const holds = await query<{ id: string; state: string; release_reason: string | null; actions: string[] }>(
    db,
    `select h.id, h.state::text as state, h.release_reason,
            coalesce((select array_agg(e.action) from audit_events e where e.entity_id = h.id and e.actor_type = 'worker'), '{}') as actions
       from holds h where h.tenant_id = any($1::uuid[])`,
    [pgArray(tenants.map((tn) => tn.tenantId))],
  );
  const ended = new Set(tenants.flatMap((tn) => tn.endedHolds));
  const open = new Set(tenants.flatMap((tn) => tn.openEndedHolds));
  expect(holds.length).toBe(ended.size + open.size);
  for (const h of holds) {
    if (ended.has(h.id))
      expect(h).toMatchObject({ state: "released", release_reason: "end_date_reached", actions: ["release"] });
    else expect(h).toMatchObject({ state: "active", release_reason: null, actions: [] });
  }
  expect(
    await scalar(db, "select count(*)::int as n from hold_claims where hold_id = any($1::text[])", [
      pgArray([...ended]),
    ]),
  ).toBe(0);
  return { late };
}

/**
 * Every worker effect the seed calls for, by the tick count that reports it and the audit actions that record it:
 * `invoices` invoices (expected.size) and, per tenant, 100 grace starts, 20 pauses, 80 lapses, 40 due scheduled
 * actions and 4 ended holds.
 */
export function expectedEffectCounts(tenantCount: number, invoices: number): Record<string, [number, string[]]> {
  return {
    invoicesIssued: [invoices, ["issueInvoice", "issueCatchUpInvoice"]],
    gracePeriodsStarted: [tenantCount * 100, ["startGracePeriod"]],
    gracePeriodsPaused: [tenantCount * 20, ["pauseGracePeriod"]],
    gracePeriodsResumed: [0, ["resumeGracePeriod"]],
    subscriptionsLapsed: [tenantCount * 80, ["lapse"]],
    actionsRun: [tenantCount * 40, ["execute", "fail"]],
    holdsReleased: [tenantCount * 4, ["release"]],
  };
}

/** The finished ticks' counts plus what the killed worker committed before it died = the effects in the database. */
export async function assertCountsAddUp(
  db: Database,
  finished: { counts: Record<string, number> }[],
  victimId: string,
  totals: Record<string, [number, string[]]>,
) {
  for (const [key, [total, actions]] of Object.entries(totals)) {
    const byVictim = await scalar(
      db,
      "select count(*)::int as n from audit_events where actor_type = 'worker' and actor_id = $1 and action = any($2::text[])",
      [victimId, pgArray(actions)],
    );
    expect(finished.reduce((a, k) => a + (k.counts[key] ?? 0), 0) + byVictim, key).toBe(total);
  }
}

export async function ticksOf(db: Database) {
  return query<{
    worker_id: string;
    status: string;
    finished_at: Date | null;
    errors: string[];
    counts: Record<string, number>;
  }>(db, "select worker_id, status, finished_at, errors, counts from worker_ticks order by started_at");
}

/** Seeds every tenant and computes the invoices due; `label` prefixes the log line. */
export async function seedAll(db: Database, specs: TenantSpec[], plain: number, label = "multi-worker") {
  const started = Date.now();
  const tenants: SeededTenant[] = [];
  for (const spec of specs) tenants.push(await seedTenant(db, spec, plain));
  // The hand-written "today" of each tenant is the one PostgreSQL computes for NOW in its zone.
  for (const tn of tenants) {
    const [row] = await query<{ d: string }>(db, "select (($1::timestamptz) at time zone $2)::date::text as d", [
      NOW,
      tn.timeZone,
    ]);
    expect(row?.d).toBe(tn.today);
  }
  const all = (await Promise.all(tenants.map((tn) => expectedInvoices(db, tn)))).flat();
  const expected = new Map(all.map((e) => [e.subscriptionId, e]));
  const subsTotal = await scalar(db, "select count(*)::int as n from subscriptions");
  console.log(
    `[${label}] seeded ${subsTotal} subscriptions (${expected.size} due for an invoice) in ${Date.now() - started} ms`,
  );
  expect(expected.size).toBe(specs.length * (plain + 20));
  expect(all.filter((e) => e.periods > 1).length).toBe(specs.length * (Math.floor(plain / 50) + 20));
  return { tenants, expected };
}
