import type { SubscriptionOutput } from "@holdfast/domain";
import type { ReactNode } from "react";

type Tone = "ok" | "info" | "warn" | "danger" | "neutral" | "muted";

/** A small coloured label; the tone carries meaning, the text says it. */
export function Badge({ tone, children, testId }: { tone: Tone; children: string; testId?: string }) {
  return (
    <span className={`badge tone-${tone}`} data-testid={testId}>
      {children}
    </span>
  );
}

const STATE_TONE: Record<SubscriptionOutput["state"], Tone> = {
  draft: "neutral",
  effective: "ok",
  not_effective: "danger",
  terminated: "muted",
};
const STATE_TEXT: Record<SubscriptionOutput["state"], string> = {
  draft: "draft",
  effective: "effective",
  not_effective: "not effective (lapsed)",
  terminated: "terminated",
};

export function SubscriptionStateBadge({ state }: { state: SubscriptionOutput["state"] }) {
  return (
    <Badge tone={STATE_TONE[state]} testId="subscription-state">
      {STATE_TEXT[state]}
    </Badge>
  );
}

/** Whether the account is held today for invoicing and for delinquency; `none` when it is not held. */
export function HeldForBadges({ heldFor, none = null }: { heldFor: SubscriptionOutput["heldFor"]; none?: ReactNode }) {
  if (!heldFor.invoicing && !heldFor.delinquency) return none;
  return (
    <span className="badges inline" data-testid="held-for">
      {heldFor.invoicing && <Badge tone="warn">held: invoicing</Badge>}
      {heldFor.delinquency && <Badge tone="warn">held: delinquency</Badge>}
    </span>
  );
}

const STATUS_TONE: Record<string, Tone> = {
  // Actions
  scheduled: "info",
  executed: "ok",
  cancelled: "muted",
  failed: "danger",
  // Invoices
  open: "warn",
  paid: "ok",
  void: "muted",
  // Worker ticks
  running: "info",
  succeeded: "ok",
};

/** An action's, invoice's or tick's status. */
export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  return (
    <Badge tone={STATUS_TONE[status] ?? "neutral"} {...(testId ? { testId } : {})}>
      {status}
    </Badge>
  );
}
