import { zReason } from "@holdfast/domain";
import { type ReactNode, useId, useRef } from "react";
import { z } from "zod";
import { useIdempotencyKey } from "../forms/use-idempotency-key.ts";
import { useZodForm } from "../forms/use-zod-form.ts";
import { ErrorBanner } from "./error-banner.tsx";
import { Field } from "./field.tsx";
import { useModalDialog } from "./modal.tsx";

/** The dashboard asks a reason for every final move (the API takes one optionally). */
export const reasonForm = z.strictObject({ reason: zReason });
export type ReasonValues = z.output<typeof reasonForm>;

/**
 * A modal confirmation of a final move that asks for its reason (required,
 * 1 to 500 characters): release, discard, terminate, cancel an action, and
 * the bulk release. The native <dialog> traps focus and Escape cancels; the
 * focus goes back to what had it (the trigger) when the dialog closes.
 */
export function ReasonDialog({
  title,
  children,
  confirmLabel,
  cancelLabel = "Cancel",
  pendingLabel,
  pending,
  error,
  onConfirm,
  onCancel,
}: {
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  pendingLabel?: string;
  pending: boolean;
  error: unknown;
  /** The reason as typed (trimmed) and the dialog's idempotency key. */
  onConfirm: (v: { reason: string; idempotencyKey: string }) => void;
  onCancel: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const idempotencyKey = useIdempotencyKey();
  const {
    register,
    handleSubmit,
    formState: { errors },
  } = useZodForm(reasonForm, { defaultValues: { reason: "" } });
  useModalDialog(dialog, () => dialog.current?.querySelector("textarea")?.focus());
  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-modal="true"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        if (!pending) onCancel();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
      <form
        noValidate
        onSubmit={handleSubmit((v) => onConfirm({ reason: v.reason.trim(), idempotencyKey }))}
        data-testid="reason-form"
      >
        <Field name="reason" label="Reason" errors={errors} hint="Required: kept on the record and in its history.">
          {(a11y) => <textarea {...a11y} rows={3} maxLength={500} {...register("reason")} />}
        </Field>
        <ErrorBanner error={error} testId="dialog-error" />
        <div className="form-actions">
          <button type="submit" className="danger" disabled={pending}>
            {pending ? (pendingLabel ?? `${confirmLabel}…`) : confirmLabel}
          </button>
          <button type="button" onClick={onCancel} disabled={pending}>
            {cancelLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
