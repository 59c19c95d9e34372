/**
 * The session lives in an HttpOnly cookie that scripts cannot read: the
 * server says who is signed in (`auth.me`). This store only counts the
 * session's changes (a sign-in, a sign-out, an expiry), so the dashboard
 * drops everything it fetched for one session and asks again for the next,
 * and tells the other tabs. React reads it with useSyncExternalStore.
 * The chosen tenant, which is no secret, is kept in localStorage.
 */
const TENANT_KEY = "holdfast.tenant";

const listeners = new Set<() => void>();
let generation = 0;
let open = false;
let dropCache: () => void = () => undefined;
const tabs = typeof BroadcastChannel === "undefined" ? null : new BroadcastChannel("holdfast.session");

function restart() {
  open = false;
  dropCache();
  generation += 1;
  for (const l of listeners) l();
}

export const sessionStore = {
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  /** Changes at every sign-in, sign-out and expiry. */
  generation(): number {
    return generation;
  },
  /** What one session fetched must not show to the next: how to drop it (the query client's `clear`). */
  onRestart(drop: () => void): void {
    dropCache = drop;
  },
  /** The server named the signed-in user. */
  opened(): void {
    open = true;
  },
  /** This tab signed in or out: start over, here and in the other tabs. */
  changed(): void {
    restart();
    tabs?.postMessage("changed");
  },
  /** A call was refused for want of a session: the open one has ended (expired, revoked, signed out elsewhere). */
  ended(): void {
    if (open) restart();
  },
};

tabs?.addEventListener("message", restart);

export function readTenantChoice(): string | null {
  return localStorage.getItem(TENANT_KEY);
}

export function storeTenantChoice(tenantLocator: string): void {
  localStorage.setItem(TENANT_KEY, tenantLocator);
}
