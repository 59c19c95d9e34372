/**
 * Date arithmetic for seeds, on `YYYY-MM-DD` strings, written independently
 * of the product's date code (so checks computed from a seed do not borrow
 * the code they check). Month steps never clamp.
 */

/** `n` days after `date` (before, for a negative n). */
export function days(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** `n` calendar months after `date`; throws where the day would not exist (Jan 31 + 1). */
export function months(date: string, n: number): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const out = new Date(Date.UTC(y, m - 1 + n, d)).toISOString().slice(0, 10);
  if (Number(out.slice(8)) !== d) throw new Error(`seed date ${date} + ${n} months would clamp`);
  return out;
}
