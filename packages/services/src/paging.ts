/**
 * Keyset paging: a list query reads one row more than the page holds. The
 * extra row says whether another page follows; the page's last id is then the
 * cursor that reads it.
 */
export function splitPage<R>(
  rows: readonly R[],
  limit: number,
  idOf: (row: R) => string = (row) => (row as { id: string }).id,
): { page: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, nextCursor: rows.length > limit && last !== undefined ? idOf(last) : null };
}
