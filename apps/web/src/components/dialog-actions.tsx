/** A form dialog's buttons: submit (its label while pending) and Close, both disabled while it is pending. */
export function DialogActions({
  pending,
  submitLabel,
  pendingLabel,
  onClose,
}: {
  pending: boolean;
  submitLabel: string;
  pendingLabel: string;
  onClose: () => void;
}) {
  return (
    <div className="form-actions">
      <button type="submit" className="primary" disabled={pending}>
        {pending ? pendingLabel : submitLabel}
      </button>
      <button type="button" onClick={onClose} disabled={pending}>
        Close
      </button>
    </div>
  );
}
