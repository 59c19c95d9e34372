import { useSearchParams } from "wouter";

export type SortOrder = "asc" | "desc";

/** The list's sort as the URL says it (`?sort=startDate&order=desc`); unknown values mean the default order. */
export interface ListSort<S extends string> {
  /** The column sorted by: the URL's, else the list's fallback column, else none (the list's own order). */
  sort: S | undefined;
  order: SortOrder;
  /** What to send: nothing for the default order, so existing queries keep their keys. */
  input: { sort: S; order: SortOrder } | Record<string, never>;
  /** A column's header was pressed: ascending, then descending, then back to the default order. */
  toggle: (column: S) => void;
}

/**
 * The next sort after a header press: asc → desc → none. A list with a
 * fallback column is always sorted by something: there desc flips back to asc.
 */
export function nextSort<S extends string>(
  current: { sort: S | undefined; order: SortOrder },
  column: S,
  clearable = true,
): { sort: S; order: SortOrder } | null {
  if (current.sort !== column) return { sort: column, order: "asc" };
  if (current.order === "asc") return { sort: column, order: "desc" };
  return clearable ? null : { sort: column, order: "asc" };
}

/** The sort of a list kept in the URL; `fallback` is the column it is sorted by when the URL names none. */
export function useListSort<S extends string>(columns: readonly S[], fallback?: S): ListSort<S> {
  const [params, setParams] = useSearchParams();
  const raw = params.get("sort") ?? "";
  const named = (columns as readonly string[]).includes(raw) ? (raw as S) : undefined;
  const sort = named ?? fallback;
  const order: SortOrder = params.get("order") === "desc" ? "desc" : "asc";
  return {
    sort,
    order,
    input: named ? { sort: named, order } : {},
    toggle: (column) => {
      const next = nextSort({ sort, order }, column, fallback === undefined);
      setParams(
        (prev) => {
          const q = new URLSearchParams(prev);
          q.delete("sort");
          q.delete("order");
          if (next) {
            q.set("sort", next.sort);
            q.set("order", next.order);
          }
          return q;
        },
        { replace: true },
      );
    },
  };
}

/** `aria-sort` of a sortable column's header: its order when the list is sorted by one of its columns, else "none". */
export function ariaSort<S extends string>(s: { sort: S | undefined; order: SortOrder }, columns: readonly S[]) {
  if (!s.sort || !columns.includes(s.sort)) return "none" as const;
  return s.order === "asc" ? ("ascending" as const) : ("descending" as const);
}
