/**
 * The signed-in session and the chosen tenant, kept in localStorage so a
 * reload stays signed in. A tiny external store: React reads it with
 * useSyncExternalStore, the tRPC link reads it for every request.
 */
export interface StoredSession {
  token: string;
  expiresAt: string;
}

const SESSION_KEY = "holdfast.session";
const TENANT_KEY = "holdfast.tenant";

const listeners = new Set<() => void>();
let session: StoredSession | null = readSession();

function readSession(): StoredSession | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<StoredSession>;
    if (typeof parsed.token !== "string" || typeof parsed.expiresAt !== "string") return null;
    if (Date.parse(parsed.expiresAt) <= Date.now()) return null;
    return { token: parsed.token, expiresAt: parsed.expiresAt };
  } catch {
    return null;
  }
}

function emit() {
  for (const l of listeners) l();
}

export const sessionStore = {
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  get(): StoredSession | null {
    return session;
  },
  token(): string | null {
    return session?.token ?? null;
  },
  signIn(next: StoredSession): void {
    session = next;
    localStorage.setItem(SESSION_KEY, JSON.stringify(next));
    emit();
  },
  clear(): void {
    if (!session) return;
    session = null;
    localStorage.removeItem(SESSION_KEY);
    emit();
  },
};

export function readTenantChoice(): string | null {
  return localStorage.getItem(TENANT_KEY);
}

export function storeTenantChoice(tenantLocator: string): void {
  localStorage.setItem(TENANT_KEY, tenantLocator);
}

/** Another tab signing in or out changes this tab too. */
window.addEventListener("storage", (e) => {
  if (e.key !== SESSION_KEY) return;
  session = readSession();
  emit();
});
