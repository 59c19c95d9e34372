export { type ApiDeps, type Context, createContext, type SessionCookie } from "./context.ts";
export { APP_TO_TRPC, type ErrorData, errorData, responseHeadersFor, toTrpcError } from "./errors.ts";
export { readDbFor, readOrFallBack, routeReads } from "./read-routing.ts";
export { type AppRouter, appRouter, createCaller } from "./root.ts";
