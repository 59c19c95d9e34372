import type { AutomationOutput, AutomationSort } from "@holdfast/domain";
import { keepPreviousData, skipToken, useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { useScope } from "./session.tsx";
import { useTRPC, useTRPCClient } from "./trpc.ts";

export const AUTOMATIONS_PAGE_SIZE = 50;

/**
 * The tenant's automations, page by page. getAll keeps its cursor inside
 * `limitation` (Mews' shape), which tRPC's infiniteQueryOptions cannot see, so
 * the pages are fetched here. The key is tRPC's own (the procedure's path,
 * then the input without the cursor, type "infinite"), so invalidating
 * `trpc.automations.getAll.pathFilter()` refreshes it like any other query.
 */
export function useAutomationPages(
  filters: { companyIds?: string[]; sort?: AutomationSort; order?: "asc" | "desc" } = {},
) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const { tenantLocator } = useScope();
  const input = {
    enterpriseIds: [tenantLocator],
    ...(filters.companyIds?.length ? { companyIds: filters.companyIds } : {}),
    ...(filters.sort ? { sort: filters.sort } : {}),
    ...(filters.order ? { order: filters.order } : {}),
    limitation: { count: AUTOMATIONS_PAGE_SIZE },
  };
  const [path] = trpc.automations.getAll.queryKey();
  return useInfiniteQuery({
    queryKey: [path, { input, type: "infinite" }] as const,
    queryFn: ({ pageParam, signal }) =>
      client.automations.getAll.query({ ...input, limitation: { ...input.limitation, cursor: pageParam } }, { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.cursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One automation of the current tenant (getAll filtered by its id); null when there is none. Not asked for a malformed id. */
export function useAutomation(id: string) {
  const trpc = useTRPC();
  const { tenantLocator } = useScope();
  return useQuery(
    trpc.automations.getAll.queryOptions(
      GUID_RE.test(id) ? { enterpriseIds: [tenantLocator], automationIds: [id], limitation: { count: 1 } } : skipToken,
      { select: (page): AutomationOutput | null => page.automations[0] ?? null },
    ),
  );
}

/** After any add, update or delete: every list, every single automation, every preview and their history. */
export function useAutomationsChanged() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries(trpc.automations.pathFilter());
    void queryClient.invalidateQueries(trpc.audit.history.pathFilter());
  };
}
