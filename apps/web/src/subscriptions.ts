import type { AppRouter } from "@holdfast/api";
import type { SubscriptionOutput } from "@holdfast/domain";
import { keepPreviousData, useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useScope } from "./session.tsx";
import { useTRPC, useTRPCClient } from "./trpc.ts";

type Outputs = inferRouterOutputs<AppRouter>;
export type ActionOutput = Outputs["subscriptions"]["listActions"]["items"][number];
export type InvoiceOutput = Outputs["invoices"]["list"]["items"][number];
export type WorkerStatus = Outputs["worker"]["status"];

export const DETAIL_PAGE_SIZE = 50;

/**
 * A subscription's invoices, newest first, a page at a time. invoices.list
 * takes a cursor but not the `direction` tRPC's infiniteQueryOptions sends
 * (its input is strict), so the pages are fetched here, under tRPC's own key
 * (path, input without the cursor, type "infinite"): invalidating
 * `trpc.invoices.list.pathFilter()` refreshes them like any other query.
 */
export function useInvoicePages(subscriptionLocator: string) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const scope = useScope();
  const input = { ...scope, subscriptionLocator, limit: DETAIL_PAGE_SIZE };
  const [path] = trpc.invoices.list.queryKey();
  return useInfiniteQuery({
    queryKey: [path, { input, type: "infinite" }] as const,
    queryFn: ({ pageParam, signal }) => client.invoices.list.query({ ...input, cursor: pageParam }, { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

/** A subscription's actions (grace extensions), newest first; same reason as useInvoicePages. */
export function useActionPages(subscriptionLocator: string) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const scope = useScope();
  const input = { ...scope, subscriptionLocator, limit: DETAIL_PAGE_SIZE };
  const [path] = trpc.subscriptions.listActions.queryKey();
  return useInfiniteQuery({
    queryKey: [path, { input, type: "infinite" }] as const,
    queryFn: ({ pageParam, signal }) =>
      client.subscriptions.listActions.query({ ...input, cursor: pageParam }, { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

/**
 * After any change to a subscription, its invoices or its actions: the
 * subscription itself (set from the answer when there is one), every list, its
 * invoices and actions, its history, and the worker's due count.
 */
export function useSubscriptionChanged() {
  const trpc = useTRPC();
  const scope = useScope();
  const queryClient = useQueryClient();
  return (locator: string, next?: SubscriptionOutput) => {
    if (next) queryClient.setQueryData(trpc.subscriptions.get.queryKey({ ...scope, locator }), next);
    else void queryClient.invalidateQueries(trpc.subscriptions.get.queryFilter({ ...scope, locator }));
    void queryClient.invalidateQueries(trpc.subscriptions.list.pathFilter());
    void queryClient.invalidateQueries(trpc.subscriptions.listActions.pathFilter());
    void queryClient.invalidateQueries(trpc.invoices.list.pathFilter());
    void queryClient.invalidateQueries(trpc.audit.history.pathFilter());
    void queryClient.invalidateQueries(trpc.worker.status.pathFilter());
  };
}
