import type { AppRouter } from "@holdfast/api";
import { CSRF_HEADER } from "@holdfast/domain";
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
  if (isApiError(e) && e.data?.code === "UNAUTHORIZED") sessionStore.ended();
}

export function createQueryClient(): QueryClient {
  const client = new QueryClient({
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
  sessionStore.onRestart(() => client.clear());
  return client;
}

/**
 * The session rides in its HttpOnly cookie (same origin only); every call carries the anti-CSRF header, which the
 * server requires of a state-changing call the cookie authenticates.
 */
export function createApiClient() {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: "/trpc",
        headers: { [CSRF_HEADER]: "1" },
        fetch: (url, init) => fetch(url, { ...init, credentials: "same-origin" }),
      }),
    ],
  });
}
