import { type ReactNode, useId, useRef } from "react";
import { ErrorBanner } from "./error-banner.tsx";
import { useModalDialog } from "./modal.tsx";

/**
 * A modal question before a destructive step (the native <dialog>: focus is
 * trapped, Escape cancels). Rendered only while asked; Cancel has the focus.
 */
export function ConfirmDialog({
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
  /** When "Cancel" would be ambiguous (cancelling a scheduled action, say). */
  cancelLabel?: string;
  pendingLabel?: string;
  pending: boolean;
  error: unknown;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  useModalDialog(dialog, () => cancel.current?.focus());
  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby={titleId}
      aria-modal="true"
      onCancel={(e) => {
        e.preventDefault();
        if (!pending) onCancel();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
      <ErrorBanner error={error} testId="dialog-error" />
      <div className="form-actions">
        <button type="button" className="danger" onClick={onConfirm} disabled={pending}>
          {pending ? (pendingLabel ?? `${confirmLabel}…`) : confirmLabel}
        </button>
        <button type="button" ref={cancel} onClick={onCancel} disabled={pending}>
          {cancelLabel}
        </button>
      </div>
    </dialog>
  );
}
