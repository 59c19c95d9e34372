import { AppError, ULID_RE } from "@holdfast/domain";
import { type AnyColumn, type SQL, sql } from "drizzle-orm";

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

/** A list sorted by a column: the expression, whether it can be null, and the locator column that breaks ties. */
export interface SortedKeyset {
  /** Names the sort in its cursors (`startDate:asc`): a cursor of another sort is refused. */
  name: string;
  value: SQL;
  id: SQL | AnyColumn;
  order: "asc" | "desc";
}

const CURSOR_PREFIX = "s.";

/** A sorted page's cursor: the sort's name, the last row's value as text (or null) and its locator, opaque. */
export function encodeSortCursor(name: string, value: string | null, id: string): string {
  return CURSOR_PREFIX + Buffer.from(JSON.stringify([name, value, id])).toString("base64url");
}

function badCursor(): never {
  throw AppError.badRequest([
    {
      path: "cursor",
      rule: "invalid_cursor",
      message: "is not a cursor of this list in this order; start again without a cursor",
    },
  ]);
}

function decodeSortCursor(name: string, cursor: string): { value: string | null; id: string } {
  if (!cursor.startsWith(CURSOR_PREFIX)) badCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor.slice(CURSOR_PREFIX.length), "base64url").toString("utf8"));
  } catch {
    badCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) badCursor();
  const [n, value, id] = parsed as unknown[];
  if (n !== name || (value !== null && typeof value !== "string") || typeof id !== "string" || !ULID_RE.test(id)) {
    badCursor();
  }
  return { value: value as string | null, id };
}

/**
 * Keyset paging by (value, locator), nulls last in either order: the
 * condition for the rows after the cursor, and the ORDER BY. A value is
 * carried as text and compared as the expression's own type.
 */
export function sortedKeyset(k: SortedKeyset, cursor: string | null | undefined): { after?: SQL; orderBy: SQL[] } {
  const dir = k.order === "asc" ? sql`asc` : sql`desc`;
  const orderBy = [sql`${k.value} ${dir} nulls last`, sql`${k.id} ${dir}`];
  if (!cursor) return { orderBy };
  const c = decodeSortCursor(k.name, cursor);
  const beyond = (a: SQL | AnyColumn, b: unknown) => (k.order === "asc" ? sql`${a} > ${b}` : sql`${a} < ${b}`);
  const after =
    c.value === null
      ? sql`(${k.value} is null and ${beyond(k.id, c.id)})`
      : sql`(${beyond(k.value, c.value)} or (${k.value} = ${c.value} and ${beyond(k.id, c.id)}) or ${k.value} is null)`;
  return { after, orderBy };
}

/** A cursor of a list in its default order (newest first) is the last locator: a sorted list's cursor is refused. */
export function defaultOrderCursor(cursor: string): string {
  if (!ULID_RE.test(cursor)) badCursor();
  return cursor;
}
