import { ariaSort, type ListSort } from "./list-sort.ts";
import "./sort-header.css";

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

/** A sortable column's header: its sort button, and `aria-sort` saying whether and how the list is sorted by it. */
export function SortHeader<S extends string>({
  column,
  label,
  sort,
  className,
}: {
  column: S;
  label: string;
  sort: ListSort<S>;
  className?: string;
}) {
  return (
    <th scope="col" className={className} aria-sort={ariaSort(sort, [column])}>
      <SortButton column={column} label={label} sort={sort} />
    </th>
  );
}
