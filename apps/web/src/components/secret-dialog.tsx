import { type ReactNode, useState } from "react";
import { Modal } from "./modal.tsx";

/**
 * A secret shown this once (a token's secret, a set-password link): selected
 * for copying, with a Copy button. Once closed it cannot be shown again.
 */
export function SecretDialog({
  title,
  label,
  secret,
  children,
  onClose,
}: {
  title: string;
  label: string;
  secret: string;
  children?: ReactNode;
  onClose: () => void;
}) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  return (
    <Modal title={title} onClose={onClose}>
      {children}
      <div className="field">
        <label htmlFor="one-time-secret">{label}</label>
        <input
          id="one-time-secret"
          className="mono"
          readOnly
          value={secret}
          onFocus={(e) => e.currentTarget.select()}
          data-testid="one-time-secret"
        />
      </div>
      <p className="hint">It is shown only this once: copy it now and hand it over safely.</p>
      {copied && (
        <p className="notice" role="status">
          {copied === "yes" ? "Copied." : "The browser refused to copy: select the text and copy it yourself."}
        </p>
      )}
      <div className="form-actions">
        <button
          type="button"
          className="primary"
          onClick={() =>
            navigator.clipboard.writeText(secret).then(
              () => setCopied("yes"),
              () => setCopied("failed"),
            )
          }
        >
          Copy
        </button>
        <button type="button" onClick={onClose}>
          Done
        </button>
      </div>
    </Modal>
  );
}
