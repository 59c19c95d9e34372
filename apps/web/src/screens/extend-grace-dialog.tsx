import type { SubscriptionOutput } from "@holdfast/domain";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useMemo } from "react";
import type { FieldErrors, UseFormRegister } from "react-hook-form";
import { DialogActions } from "../components/dialog-actions.tsx";
import { Field } from "../components/field.tsx";
import { FieldError } from "../components/field-error.tsx";
import { Modal } from "../components/modal.tsx";
import { ServerIssues } from "../forms/server-issues.tsx";
import {
  type ExtendFormValues,
  extendFieldFor,
  extendForm,
  extendFormDefaults,
  REFERENCE_KINDS,
  UDF_DATES,
  UDF_FLOATS,
  UDF_STRINGS,
} from "../forms/subscription-forms.ts";
import { useZodForm } from "../forms/use-zod-form.ts";
import { describeGracePreview, previewGraceExtension } from "../grace-preview.ts";
import { useScope } from "../session.tsx";
import { useSubscriptionChanged } from "../subscriptions.ts";
import { useTRPC } from "../trpc.ts";

const FIELDS = new Set(Object.keys(extendFormDefaults()));
/** Fields inside "More": opened when one of them has something to say. */
const MORE_FIELDS = [
  "performedByUserIdentifier",
  "performedByUnitIdentifier",
  "performedByBusinessUnitIdentifier",
  "performedOn",
  "billingEffectiveDate",
  "billablePeriodStartDate",
  ...UDF_STRINGS,
  ...UDF_FLOATS,
  ...UDF_DATES,
] as const;

/**
 * CRM.COM's "extend grace period" for one subscription: a new end as a date
 * or as a number of days from the day it is applied (exactly one), now or on
 * a scheduled date.
 */
export function ExtendGraceDialog({
  sub,
  onClose,
  onDone,
}: {
  sub: SubscriptionOutput;
  onClose: () => void;
  onDone: (notice: string) => void;
}) {
  const trpc = useTRPC();
  const scope = useScope();
  const changed = useSubscriptionChanged();
  const schema = useMemo(() => extendForm(sub), [sub]);
  const {
    register,
    handleSubmit,
    watch,
    formState: { errors },
  } = useZodForm(schema, { defaultValues: extendFormDefaults() });
  const extend = useMutation(
    trpc.subscriptions.extendGracePeriod.mutationOptions({
      onSuccess: (action) => {
        changed(sub.locator);
        onDone(
          action.status === "scheduled"
            ? `Extension scheduled for ${action.scheduledDate}.`
            : `Grace period extended: it now ends ${action.newGraceEnd}.${action.reactivated ? " The subscription is effective again." : ""}`,
        );
      },
    }),
  );
  const endBy = watch("endBy");
  const [days, date, scheduledDate] = watch(["endGracePeriodAfterDays", "endGracePeriodOn", "scheduledDate"]);
  // The tenant's today by the server's clock: the day "now" applies an extension.
  const worker = useQuery(trpc.worker.status.queryOptions({ ...scope, limit: 1 }));
  const today = worker.data?.today ?? null;
  const currentEnd = sub.grace?.end ?? null;
  const preview = today ? previewGraceExtension({ endBy, days, date, scheduledDate, today, currentEnd }) : null;
  // A refusal is about the values sent: once the end or the schedule changes, it no longer applies.
  const resetExtend = extend.reset;
  useEffect(() => resetExtend(), [endBy, days, date, scheduledDate, resetExtend]);
  const payBeforeBill = sub.paymentModel === "pay_before_bill";
  const serverFields = new Set(
    (extend.error?.data?.issues ?? []).map((i) => extendFieldFor(i.path, endBy)).filter((f) => FIELDS.has(f)),
  );
  const moreHasIssues = MORE_FIELDS.some((f) => f in errors || serverFields.has(f));

  return (
    <Modal
      title={`Extend the grace period of ${sub.number}`}
      busy={extend.isPending}
      onClose={onClose}
      className="form-dialog"
    >
      <p className="hint">
        {sub.grace
          ? `Now ends ${sub.grace.end}${sub.grace.pausedOn ? ` (paused since ${sub.grace.pausedOn})` : ""}. The new end must be later.`
          : "No grace period is running: this starts one on the day it is applied."}
      </p>
      <form onSubmit={handleSubmit((input) => extend.mutate({ ...scope, ...input }))} noValidate>
        <ServerIssues
          error={extend.error}
          slotFor={(name) => {
            const field = extendFieldFor(name, endBy);
            return FIELDS.has(field) ? field : null;
          }}
        >
          <FieldError errors={errors} name="subscriptionIdentifier" />
          <fieldset className="radio-choice">
            <legend>New end</legend>
            <label>
              <input type="radio" value="days" {...register("endBy")} /> A number of days
            </label>
            <label>
              <input type="radio" value="date" {...register("endBy")} /> A date
            </label>
          </fieldset>
          <div className="row">
            {endBy === "days" ? (
              <Field name="endGracePeriodAfterDays" label="Days from the day it is applied" errors={errors}>
                {(a11y) => (
                  <input
                    type="number"
                    min={1}
                    max={3650}
                    inputMode="numeric"
                    {...a11y}
                    {...register("endGracePeriodAfterDays")}
                  />
                )}
              </Field>
            ) : (
              <Field name="endGracePeriodOn" label="End the grace period on" errors={errors}>
                {(a11y) => <input type="date" {...a11y} {...register("endGracePeriodOn")} />}
              </Field>
            )}
            <Field
              name="scheduledDate"
              label="Scheduled date (optional)"
              errors={errors}
              hint="A future date stores the extension to run then; empty or today runs it now."
            >
              {(a11y) => <input type="date" {...a11y} {...register("scheduledDate")} />}
            </Field>
          </div>
          <Field
            name="transactionReferenceNumber"
            label="Transaction reference number (optional)"
            errors={errors}
            hint="Unique in the tenant; sending the same one again returns the first answer."
          >
            {(a11y) => <input autoComplete="off" {...a11y} {...register("transactionReferenceNumber")} />}
          </Field>
          {payBeforeBill && (
            <div className="row">
              <Field name="cardBy" label="Card identified by" errors={errors}>
                {(a11y) => (
                  <select {...a11y} {...register("cardBy")}>
                    {REFERENCE_KINDS.map((k) => (
                      <option key={k} value={k}>
                        {k}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field
                name="paymentGatewayCardIdentifier"
                label="Payment gateway card"
                errors={errors}
                hint="Required for pay-before-bill subscriptions."
              >
                {(a11y) => <input autoComplete="off" {...a11y} {...register("paymentGatewayCardIdentifier")} />}
              </Field>
            </div>
          )}
          <p className="grace-preview" aria-live="polite" data-testid="grace-preview">
            {preview ? (
              <>
                <strong data-testid="grace-preview-end">{describeGracePreview(preview, currentEnd)}</strong>
                {endBy === "days" && (
                  <span className="block muted small">
                    Days count from {preview.countsFrom === "today" ? "today" : "the scheduled date"},{" "}
                    {preview.appliedOn}.
                  </span>
                )}
                {preview.problem && (
                  <span className="block field-error" data-testid="grace-preview-problem">
                    The new end {preview.problem}.
                  </span>
                )}
              </>
            ) : (
              <span className="muted">
                {endBy === "days"
                  ? `Days count from the day the extension is applied: today${today ? ` (${today})` : ""}, or the scheduled date.`
                  : "Choose the new end date."}
              </span>
            )}
          </p>
          <MoreFields register={register} errors={errors} open={moreHasIssues} />
          <DialogActions
            pending={extend.isPending}
            submitLabel="Extend grace period"
            pendingLabel="Extending…"
            onClose={onClose}
          />
        </ServerIssues>
      </form>
    </Modal>
  );
}

/** Who performed it, the billing dates, and the user-defined fields: rarely needed, so folded. */
function MoreFields({
  register,
  errors,
  open,
}: {
  register: UseFormRegister<ExtendFormValues>;
  errors: FieldErrors;
  open: boolean;
}) {
  return (
    <details className="more" open={open || undefined}>
      <summary>Performer, billing dates and user-defined fields</summary>
      <div className="row">
        <Field name="performedByUserIdentifier" label="Performed by user (name)" errors={errors}>
          {(a11y) => <input autoComplete="off" {...a11y} {...register("performedByUserIdentifier")} />}
        </Field>
        <Field name="performedByUnitIdentifier" label="Unit (name)" errors={errors}>
          {(a11y) => <input autoComplete="off" {...a11y} {...register("performedByUnitIdentifier")} />}
        </Field>
        <Field name="performedByBusinessUnitIdentifier" label="Business unit (name)" errors={errors}>
          {(a11y) => <input autoComplete="off" {...a11y} {...register("performedByBusinessUnitIdentifier")} />}
        </Field>
      </div>
      <div className="row">
        <Field name="performedOn" label="Performed on" errors={errors}>
          {(a11y) => <input type="date" {...a11y} {...register("performedOn")} />}
        </Field>
        <Field name="billingEffectiveDate" label="Billing effective date" errors={errors}>
          {(a11y) => <input type="date" {...a11y} {...register("billingEffectiveDate")} />}
        </Field>
        <Field name="billablePeriodStartDate" label="Billable period start" errors={errors}>
          {(a11y) => <input type="date" {...a11y} {...register("billablePeriodStartDate")} />}
        </Field>
      </div>
      <div className="udf-grid">
        {UDF_STRINGS.map((k) => (
          <Field key={k} name={k} label={k} errors={errors}>
            {(a11y) => <input autoComplete="off" maxLength={255} {...a11y} {...register(k)} />}
          </Field>
        ))}
        {UDF_FLOATS.map((k) => (
          <Field key={k} name={k} label={k} errors={errors}>
            {(a11y) => <input inputMode="decimal" autoComplete="off" {...a11y} {...register(k)} />}
          </Field>
        ))}
        {UDF_DATES.map((k) => (
          <Field key={k} name={k} label={k} errors={errors}>
            {(a11y) => <input type="date" {...a11y} {...register(k)} />}
          </Field>
        ))}
      </div>
    </details>
  );
}
