import { useMutation, useQuery } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { ErrorBanner } from "./components/error-banner.tsx";
import { SignIn } from "./screens/sign-in.tsx";
import { readTenantChoice, sessionStore, storeTenantChoice } from "./session-store.ts";
import { useTRPC } from "./trpc.ts";

export interface TenantGrant {
  tenantLocator: string;
  name: string;
  permissions: string[];
}

interface SessionValue {
  actorName: string;
  tenants: TenantGrant[];
  tenant: TenantGrant;
  switchTenant: (tenantLocator: string) => void;
  signOut: () => void;
  signingOut: boolean;
}

const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside <SessionGate>");
  return value;
}

/**
 * The tenant every call is scoped to, to spread into a procedure's input.
 * Always sent: a one-tenant token accepts it, a portfolio token needs it.
 */
export function useScope(): { tenantLocator: string } {
  return { tenantLocator: useSession().tenant.tenantLocator };
}

/** Whether the user holds this permission in the chosen tenant (`admin` implies all). The server checks again. */
export function useCan(permission: string): boolean {
  const { permissions } = useSession().tenant;
  return permissions.includes(permission) || permissions.includes("admin");
}

/** Shows sign-in until the server names a signed-in user, then who the user is and which tenant they act on. */
export function SessionGate({ children }: { children: ReactNode }) {
  // Each sign-in, sign-out and expiry starts over with nothing fetched (sessionStore drops the query cache).
  const generation = useSyncExternalStore(sessionStore.subscribe, sessionStore.generation);
  return <SessionCheck key={generation}>{children}</SessionCheck>;
}

function SessionCheck({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 5 * 60_000 }));
  const [choice, setChoice] = useState<string | null>(readTenantChoice);
  const signOut = useMutation(trpc.auth.signOut.mutationOptions({ onSettled: () => sessionStore.changed() }));
  useEffect(() => {
    if (me.data) sessionStore.opened();
  }, [me.data]);

  const value = useMemo<SessionValue | null>(() => {
    const tenants = me.data?.tenants ?? [];
    const tenant = tenants.find((t) => t.tenantLocator === choice) ?? tenants[0];
    if (!me.data || !tenant) return null;
    return {
      actorName: me.data.actor.name,
      tenants,
      tenant,
      switchTenant: (locator) => {
        storeTenantChoice(locator);
        setChoice(locator);
      },
      signOut: () => signOut.mutate(),
      signingOut: signOut.isPending,
    };
  }, [me.data, choice, signOut]);

  if (me.isPending) return <p className="page-status">Loading your session…</p>;
  if (me.error?.data?.code === "UNAUTHORIZED") return <SignIn />;
  if (me.error) {
    return (
      <main className="narrow">
        <ErrorBanner error={me.error} />
        <button type="button" onClick={() => void me.refetch()}>
          Try again
        </button>
      </main>
    );
  }
  if (!value) {
    return (
      <main className="narrow">
        <p role="alert">Your user has access to no tenant. Ask an administrator to add you to one.</p>
        <button type="button" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
          Sign out
        </button>
      </main>
    );
  }
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
