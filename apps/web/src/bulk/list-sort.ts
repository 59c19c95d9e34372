import { useSearchParams } from "wouter";

export type SortOrder = "asc" | "desc";

/** The list's sort as the URL says it (`?sort=startDate&order=desc`); unknown values mean the default order. */
export interface ListSort<S extends string> {
  sort: S | undefined;
  order: SortOrder;
  /** What to send: nothing for the default order, so existing queries keep their keys. */
  input: { sort: S; order: SortOrder } | Record<string, never>;
  /** A column's header was pressed: ascending, then descending, then back to the default order. */
  toggle: (column: S) => void;
}

/** The next sort after a header press: asc → desc → none. */
export function nextSort<S extends string>(
  current: { sort: S | undefined; order: SortOrder },
  column: S,
): { sort: S; order: SortOrder } | null {
  if (current.sort !== column) return { sort: column, order: "asc" };
  return current.order === "asc" ? { sort: column, order: "desc" } : null;
}

export function useListSort<S extends string>(columns: readonly S[]): ListSort<S> {
  const [params, setParams] = useSearchParams();
  const raw = params.get("sort") ?? "";
  const sort = (columns as readonly string[]).includes(raw) ? (raw as S) : undefined;
  const order: SortOrder = params.get("order") === "desc" ? "desc" : "asc";
  return {
    sort,
    order,
    input: sort ? { sort, order } : {},
    toggle: (column) => {
      const next = nextSort({ sort, order }, column);
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

/** `aria-sort` of a column's header. */
export function ariaSort<S extends string>(s: { sort: S | undefined; order: SortOrder }, columns: readonly S[]) {
  if (!s.sort || !columns.includes(s.sort)) return undefined;
  return s.order === "asc" ? ("ascending" as const) : ("descending" as const);
}
