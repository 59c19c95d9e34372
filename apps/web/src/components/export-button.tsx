import { useScope } from "../session.tsx";

/** Keys of a list's input the export pages by itself (it refuses them). */
const PAGING_KEYS = new Set(["cursor", "limit", "direction", "limitation", "enterpriseIds"]);

/** The URL of a list's CSV export with these filters (paging keys left out, the session's tenant added). */
export function exportUrl(list: string, filters: Record<string, unknown>, tenantLocator: string): string {
  const kept = Object.fromEntries(Object.entries(filters).filter(([k, v]) => !PAGING_KEYS.has(k) && v !== undefined));
  return `/export/${list}.csv?input=${encodeURIComponent(JSON.stringify({ ...kept, tenantLocator }))}`;
}

/**
 * Downloads every row of a list matching its current filters as CSV, streamed
 * by the server (not only the pages loaded). A plain same-origin link: the
 * session cookie authenticates it. Pass the list's own query input.
 */
export function ExportButton({ list, filters = {} }: { list: string; filters?: Record<string, unknown> }) {
  const { tenantLocator } = useScope();
  return (
    <a className="button" href={exportUrl(list, filters, tenantLocator)} download data-testid={`export-${list}`}>
      Export CSV
    </a>
  );
}
