/** A list's sort: which column, and which way. */
export interface SortState<K extends string> {
  key: K;
  order: "asc" | "desc";
}

/**
 * A column header that sorts its list: a button inside the <th>, whose
 * `aria-sort` says whether and how the list is sorted by it. A first click
 * sorts ascending, the next one flips the order.
 */
export function SortHeader<K extends string>({
  label,
  sortKey,
  current,
  onSort,
}: {
  label: string;
  sortKey: K;
  current: SortState<K>;
  onSort: (next: SortState<K>) => void;
}) {
  const active = current.key === sortKey;
  const ariaSort = active ? (current.order === "asc" ? "ascending" : "descending") : "none";
  const next = active && current.order === "asc" ? "desc" : "asc";
  return (
    <th scope="col" aria-sort={ariaSort}>
      <button
        type="button"
        className="link sort-button"
        onClick={() => onSort({ key: sortKey, order: next })}
        title={`Sort by ${label.toLowerCase()}, ${next === "asc" ? "ascending" : "descending"}`}
      >
        {label}
        <span aria-hidden="true" className="sort-arrow">
          {active ? (current.order === "asc" ? " ▲" : " ▼") : " ↕"}
        </span>
      </button>
    </th>
  );
}
