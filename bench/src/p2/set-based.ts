/** P2's comparison: the lapse as ONE set-based statement, with the same rows, guards and audit events as the worker. */

/** The worker's lapse claim (packages/services/src/worker/subscription-jobs.ts), written out in SQL: same rows, same guards. */
const LAPSE_DUE = `
  s.tenant_id = $1 and s.state = 'effective' and s.grace_end is not null and s.grace_end < $2::date
  and s.grace_paused_on is null
  and exists (select 1 from invoices i where i.subscription_id = s.id and i.status = 'open' and i.due_on < $2::date)
  and not exists (
    select 1 from holds h join hold_targets t on t.hold_id = h.id join tenants tn on tn.id = h.tenant_id
     where h.tenant_id = $1 and h.account_id = s.account_id and t.process = 'delinquency'
       and (h.state = 'active' or (h.state = 'released' and (h.released_at at time zone tn.time_zone)::date > $2::date))
       and (h.activated_at at time zone tn.time_zone)::date <= $2::date
       and (h.start_date is null or h.start_date <= $2::date)
       and (h.end_date is null or h.end_date >= $2::date)
       and (coalesce(t.start_date, h.start_date) is null or coalesce(t.start_date, h.start_date) <= $2::date)
       and (coalesce(t.end_date, h.end_date) is null or coalesce(t.end_date, h.end_date) >= $2::date))`;

/** The worker's audit snapshot of a subscription (subscription-jobs.ts `snapshot`), built in SQL from old.* or new.*. */
const snapshot = (p: "o" | "n") => `jsonb_build_object(
  'state', ${p}_state, 'nextBillingDate', ${p}_next_billing_date,
  'grace', case when ${p}_grace_start is not null and ${p}_grace_end is not null
                then jsonb_build_object('start', ${p}_grace_start, 'end', ${p}_grace_end, 'pausedOn', ${p}_grace_paused_on) end,
  'lapsedOn', ${p}_lapsed_on, 'lapseReason', ${p}_lapse_reason, 'version', ${p}_version)`;

const cols = [
  "state",
  "next_billing_date",
  "grace_start",
  "grace_end",
  "grace_paused_on",
  "lapsed_on",
  "lapse_reason",
  "version",
];

/**
 * ONE statement: the lapse of every due subscription and its audit event (PostgreSQL 18's RETURNING old/new gives
 * the before and after snapshots), in one transaction.
 */
export const SET_BASED = `
  with u as (
    update subscriptions s
       set state = 'not_effective', lapsed_on = $2::date, lapse_reason = 'grace_period_expired',
           version = s.version + 1, updated_at = $3::timestamptz
     where ${LAPSE_DUE}
    returning s.tenant_id, s.id, ${cols.map((c) => `old.${c} as o_${c}, new.${c} as n_${c}`).join(", ")}
  )
  insert into audit_events (id, tenant_id, entity_type, entity_id, action, actor_type, actor_id, actor_name, at,
                            request_id, before, after)
  select gen_random_uuid()::text, u.tenant_id, 'subscription', u.id, 'lapse', 'worker', 'set-based', 'set-based',
         $3::timestamptz, null, ${snapshot("o")}, ${snapshot("n")} || jsonb_build_object('businessDate', $2::date)
    from u`;
