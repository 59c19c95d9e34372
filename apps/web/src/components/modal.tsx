import { type ReactNode, type RefObject, useEffect, useId, useRef } from "react";

/**
 * Opens the native <dialog> as a modal while the component is mounted and, when
 * it goes, gives the focus back to what had it before (the button that opened
 * it), or to the main content when that is no longer on the page.
 */
export function useModalDialog(dialog: RefObject<HTMLDialogElement | null>, focusFirst?: () => void) {
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    const opener = document.activeElement;
    if (!d.open) d.showModal();
    focusFirst?.();
    return () => {
      d.close();
      // The opener may be gone (a row's button after the row changed): the page's content takes the focus then.
      const back = opener instanceof HTMLElement && opener.isConnected ? opener : document.getElementById("main");
      back?.focus();
    };
  }, []);
}

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
  useModalDialog(dialog);
  return (
    <dialog
      ref={dialog}
      className={className ? `dialog ${className}` : "dialog"}
      aria-labelledby={titleId}
      aria-modal="true"
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
