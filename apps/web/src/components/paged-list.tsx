import { type ReactNode, useEffect } from "react";

/** The parts of an infinite query the list states need. */
export interface Pages {
  isPending: boolean;
  error: unknown;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: (options?: { cancelRefetch?: boolean }) => unknown;
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

/**
 * Fetches the next page on its own once the reader comes within `ahead` rows
 * of the end of what is loaded (`lastShown` is the index of the last row
 * rendered), so a long list reads as one list. A failed page is not asked for
 * again in a loop: the error shows, and LoadMore retries it.
 */
export function useFetchAhead(
  pages: Pages,
  { loaded, lastShown, ahead }: { loaded: number; lastShown: number; ahead: number },
) {
  const { hasNextPage, isFetchingNextPage, error, fetchNextPage } = pages;
  const near = loaded === 0 || lastShown >= loaded - 1 - ahead;
  useEffect(() => {
    // cancelRefetch: false, so a second call while the page is on its way does not restart it.
    if (near && hasNextPage && !isFetchingNextPage && !error) fetchNextPage({ cancelRefetch: false });
  }, [near, hasNextPage, isFetchingNextPage, error, fetchNextPage]);
}
