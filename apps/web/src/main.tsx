import { QueryClientProvider } from "@tanstack/react-query";
import { lazy, StrictMode, Suspense, useState } from "react";
import { createRoot } from "react-dom/client";
import { Route, Switch } from "wouter";
import { App } from "./app.tsx";
import { SessionGate } from "./session.tsx";
import { TenantZoneGate } from "./tenant-zone.tsx";
import { createApiClient, createQueryClient, TRPCProvider } from "./trpc.ts";
import "./styles.css";
// After styles.css: the layout across screens (header menu, narrow screens) refines it.
import "./layout.css";

// Reached from a set-password link, without a session.
const SetPassword = lazy(() => import("./screens/set-password.tsx").then((m) => ({ default: m.SetPassword })));

function Root() {
  const [queryClient] = useState(createQueryClient);
  const [trpcClient] = useState(createApiClient);
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <Switch>
          <Route path="/set-password">
            <Suspense fallback={<p className="page-status">Loading…</p>}>
              <SetPassword />
            </Suspense>
          </Route>
          <Route>
            <SessionGate>
              <TenantZoneGate>
                <App />
              </TenantZoneGate>
            </SessionGate>
          </Route>
        </Switch>
      </TRPCProvider>
    </QueryClientProvider>
  );
}

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");
createRoot(root).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
