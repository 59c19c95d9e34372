import { useQuery } from "@tanstack/react-query";
import { useScope } from "./session.tsx";
import { useTRPC } from "./trpc.ts";

/**
 * The tenant's accounts, for pickers and for naming accounts in tables.
 * First cut: the first 500 (the procedure's page limit); a search-as-you-type
 * picker is the next step for tenants with more.
 */
export function useAccounts() {
  const trpc = useTRPC();
  const scope = useScope();
  const query = useQuery(trpc.accounts.list.queryOptions({ ...scope, limit: 500 }, { staleTime: 60_000 }));
  const items = query.data?.items ?? [];
  const byLocator = new Map(items.map((a) => [a.locator, a]));
  return { ...query, items, name: (locator: string) => byLocator.get(locator)?.name ?? locator };
}
