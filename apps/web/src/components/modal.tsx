import { type ReactNode, useEffect, useId, useRef } from "react";

/**
 * A modal form (the native <dialog>: focus moves in and is trapped, Escape
 * closes unless busy). Rendered only while open.
 */
export function Modal({
  title,
  children,
  busy = false,
  onClose,
  className,
}: {
  title: ReactNode;
  children: ReactNode;
  busy?: boolean;
  onClose: () => void;
  className?: string;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (!d.open) d.showModal();
    return () => d.close();
  }, []);
  return (
    <dialog
      ref={dialog}
      className={className ? `dialog ${className}` : "dialog"}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onClose();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}
