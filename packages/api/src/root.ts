import { accountsRouter } from "./routers/accounts.ts";
import { auditRouter } from "./routers/audit.ts";
import { authRouter } from "./routers/auth.ts";
import { automationsRouter } from "./routers/automations.ts";
import { eventsRouter } from "./routers/events.ts";
import { holdsRouter } from "./routers/holds.ts";
import { invoicesRouter } from "./routers/invoices.ts";
import { overviewRouter } from "./routers/overview.ts";
import { searchRouter } from "./routers/search.ts";
import { settingsRouter } from "./routers/settings.ts";
import { subscriptionsRouter } from "./routers/subscriptions.ts";
import { tokensRouter } from "./routers/tokens.ts";
import { usersRouter } from "./routers/users.ts";
import { webhooksRouter } from "./routers/webhooks.ts";
import { workerRouter } from "./routers/worker.ts";
import { createCallerFactory, router } from "./trpc.ts";

export const appRouter = router({
  auth: authRouter,
  accounts: accountsRouter,
  holds: holdsRouter,
  automations: automationsRouter,
  subscriptions: subscriptionsRouter,
  invoices: invoicesRouter,
  settings: settingsRouter,
  audit: auditRouter,
  tokens: tokensRouter,
  users: usersRouter,
  worker: workerRouter,
  search: searchRouter,
  overview: overviewRouter,
  events: eventsRouter,
  webhooks: webhooksRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
