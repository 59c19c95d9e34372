import type { HoldOutput } from "@holdfast/domain";

export function StateBadge({ state }: { state: HoldOutput["holdState"] }) {
  return (
    <span className={`badge state-${state}`} data-testid="hold-state">
      {state}
    </span>
  );
}

const SCHEDULE_TEXT = { scheduled: "scheduled", in_effect: "in effect", ended: "ended, awaiting release" } as const;

/** An active hold with a future start shows as scheduled. */
export function ScheduleBadge({ schedule }: { schedule: HoldOutput["schedule"] }) {
  if (!schedule) return null;
  return (
    <span className={`badge schedule-${schedule}`} data-testid="hold-schedule">
      {SCHEDULE_TEXT[schedule]}
    </span>
  );
}
