import { useMutation } from "@tanstack/react-query";
import { useMemo } from "react";
import { DialogActions } from "../components/dialog-actions.tsx";
import { Field } from "../components/field.tsx";
import { Modal } from "../components/modal.tsx";
import { ServerIssues } from "../forms/server-issues.tsx";
import { paymentFieldFor, paymentForm, paymentFormDefaults } from "../forms/subscription-forms.ts";
import { useIdempotencyKey } from "../forms/use-idempotency-key.ts";
import { useZodForm } from "../forms/use-zod-form.ts";
import { formatMoney } from "../money.ts";
import { useScope } from "../session.tsx";
import { type InvoiceOutput, useSubscriptionChanged } from "../subscriptions.ts";
import { useTRPC } from "../trpc.ts";

const FIELDS = new Set(["amount", "paidOn"]);

/** A payment against one open invoice; one that settles the overdue invoices ends the grace period. */
export function RecordPaymentDialog({
  invoice,
  subscriptionLocator,
  onClose,
  onDone,
}: {
  invoice: InvoiceOutput;
  subscriptionLocator: string;
  onClose: () => void;
  onDone: (notice: string) => void;
}) {
  const trpc = useTRPC();
  const scope = useScope();
  const changed = useSubscriptionChanged();
  const idempotencyKey = useIdempotencyKey();
  const schema = useMemo(() => paymentForm(invoice), [invoice]);
  const {
    register,
    handleSubmit,
    formState: { errors },
  } = useZodForm(schema, { defaultValues: paymentFormDefaults(invoice) });
  const record = useMutation(
    trpc.invoices.recordPayment.mutationOptions({
      onSuccess: (paid) => {
        changed(subscriptionLocator);
        onDone(
          paid.status === "paid"
            ? `Invoice ${paid.number} is paid.`
            : `Payment recorded: ${formatMoney(paid.amountMinor - paid.paidMinor, paid.currency)} of ${paid.number} is still open.`,
        );
      },
    }),
  );
  const outstanding = invoice.amountMinor - invoice.paidMinor;
  return (
    <Modal
      title={`Record a payment for ${invoice.number}`}
      busy={record.isPending}
      onClose={onClose}
      className="form-dialog"
    >
      <p className="hint">
        {formatMoney(outstanding, invoice.currency)} outstanding of {formatMoney(invoice.amountMinor, invoice.currency)}
        , due {invoice.dueOn}.
      </p>
      <form onSubmit={handleSubmit((input) => record.mutate({ ...scope, ...input, idempotencyKey }))} noValidate>
        <ServerIssues
          error={record.error}
          slotFor={(name) => {
            const field = paymentFieldFor(name);
            return FIELDS.has(field) ? field : null;
          }}
        >
          <div className="row">
            <Field name="amount" label={`Amount (${invoice.currency})`} errors={errors}>
              {(a11y) => <input inputMode="decimal" autoComplete="off" {...a11y} {...register("amount")} />}
            </Field>
            <Field name="paidOn" label="Paid on (optional)" errors={errors} hint="Empty: today.">
              {(a11y) => <input type="date" {...a11y} {...register("paidOn")} />}
            </Field>
          </div>
          <DialogActions
            pending={record.isPending}
            submitLabel="Record payment"
            pendingLabel="Recording…"
            onClose={onClose}
          />
        </ServerIssues>
      </form>
    </Modal>
  );
}
