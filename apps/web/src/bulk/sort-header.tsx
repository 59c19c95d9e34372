import type { ListSort } from "./list-sort.ts";

/** A column header's sort button: ascending, descending, then the list's default order. */
export function SortButton<S extends string>({ column, label, sort }: { column: S; label: string; sort: ListSort<S> }) {
  const active = sort.sort === column;
  return (
    <button type="button" className="sort-button" onClick={() => sort.toggle(column)} data-sort={column}>
      {label}
      <span className="sort-mark" aria-hidden="true">
        {active ? (sort.order === "asc" ? "▲" : "▼") : ""}
      </span>
    </button>
  );
}
