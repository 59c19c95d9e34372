import { useQuery } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext } from "react";
import { setDisplayZone } from "./format.ts";
import { useScope } from "./session.tsx";
import { useTRPC } from "./trpc.ts";

const TenantZoneContext = createContext("UTC");

/** The chosen tenant's time zone: its business dates are days there, and instants are shown there. */
export function useTenantZone(): string {
  return useContext(TenantZoneContext);
}

/**
 * Reads the tenant's settings once the session is known and shows the screens
 * in its zone (UTC when the settings cannot be read). A tenant switch or a
 * settings change renders the screens again (App reads the zone) in the new zone.
 */
export function TenantZoneGate({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const scope = useScope();
  const settings = useQuery(trpc.settings.get.queryOptions(scope, { staleTime: 5 * 60_000 }));
  if (settings.isPending) return <p className="page-status">Loading…</p>;
  const zone = settings.data?.timeZone ?? "UTC";
  // Set before the screens below render, so every formatted instant is in this zone.
  setDisplayZone(zone);
  return <TenantZoneContext.Provider value={zone}>{children}</TenantZoneContext.Provider>;
}
