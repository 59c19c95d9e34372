import type { AppRouter } from "@holdfast/api";
import { MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink, TRPCClientError, type TRPCClientErrorLike } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { sessionStore } from "./session-store.ts";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** What a failed call gives: `message`, and `data` with `code`, `httpStatus`, `issues` ({path, rule, message}[]). */
export type ApiError = TRPCClientErrorLike<AppRouter>;

export function isApiError(e: unknown): e is TRPCClientError<AppRouter> {
  return e instanceof TRPCClientError;
}

/** An expired or revoked session signs the user out, wherever the call came from. */
function onApiError(e: unknown) {
  if (isApiError(e) && e.data?.code === "UNAUTHORIZED") sessionStore.clear();
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({ onError: onApiError }),
    mutationCache: new MutationCache({ onError: onApiError }),
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        // A 4xx answer will not change by asking again; a network failure might.
        retry: (count, e) => count < 2 && !(isApiError(e) && (e.data?.httpStatus ?? 500) < 500),
      },
    },
  });
}

export function createApiClient() {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: "/trpc",
        headers() {
          const token = sessionStore.token();
          return token ? { authorization: `Bearer ${token}` } : {};
        },
      }),
    ],
  });
}
