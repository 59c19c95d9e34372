import type { ReactNode } from "react";

/** The parts of an infinite query the list states need. */
interface Pages {
  isPending: boolean;
  error: unknown;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
}

/**
 * "Loading…" while the first page loads, then the empty text when nothing came back (and nothing failed).
 * A page's list uses the page styles; a card's list (`card`) the muted ones.
 */
export function ListStates({
  pages,
  count,
  loading,
  emptyTestId,
  card = false,
  children,
}: {
  pages: Pages;
  count: number;
  loading: string;
  emptyTestId: string;
  card?: boolean;
  /** The empty text. */
  children: ReactNode;
}) {
  return (
    <>
      {pages.isPending && <p className={card ? "muted" : "page-status"}>{loading}</p>}
      {!pages.isPending && !pages.error && count === 0 && (
        <p className={card ? "muted" : "empty"} data-testid={emptyTestId}>
          {children}
        </p>
      )}
    </>
  );
}

/** Fetches the next page, while there is one. */
export function LoadMore({ pages, label = "Load more" }: { pages: Pages; label?: string }) {
  if (!pages.hasNextPage) return null;
  return (
    <button
      type="button"
      className="load-more"
      onClick={() => pages.fetchNextPage()}
      disabled={pages.isFetchingNextPage}
    >
      {pages.isFetchingNextPage ? "Loading…" : label}
    </button>
  );
}
