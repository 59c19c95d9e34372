import type { ReactNode } from "react";

/**
 * A table too wide for a phone scrolls inside this region, never the page. The
 * region takes the focus so a keyboard can scroll it too, and is named for
 * screen readers.
 */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard to be scrolled.
    <section className="table-scroll" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
