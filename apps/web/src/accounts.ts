import { useQuery } from "@tanstack/react-query";
import { useScope } from "./session.tsx";
import { useTRPC } from "./trpc.ts";

/**
 * The tenant's accounts, for pickers and for naming accounts in tables.
 * The first 500 (the procedure's page limit). The hold editor chooses its
 * account with the search-as-you-type AccountPicker instead, which reaches every account.
 */
export function useAccounts() {
  const trpc = useTRPC();
  const scope = useScope();
  const query = useQuery(trpc.accounts.list.queryOptions({ ...scope, limit: 500 }, { staleTime: 60_000 }));
  const items = query.data?.items ?? [];
  const byLocator = new Map(items.map((a) => [a.locator, a]));
  return { ...query, items, name: (locator: string) => byLocator.get(locator)?.name ?? locator };
}
