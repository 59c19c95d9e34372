/** `q` as a literal inside a LIKE pattern: its wildcards and the escape character match themselves. */
export function escapeLike(q: string): string {
  return q.replace(/[\\%_]/g, (c) => `\\${c}`);
}
