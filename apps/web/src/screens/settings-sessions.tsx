import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { ErrorBanner } from "../components/error-banner.tsx";
import { formatInstant } from "../format.ts";
import { sessionStore } from "../session-store.ts";
import { useTRPC } from "../trpc.ts";
import { SettingsTabs } from "./settings-tabs.tsx";

/** The signed-in user's own sessions (browsers and devices), and signing out of all of them at once. */
export function SessionsSettings() {
  const trpc = useTRPC();
  const sessions = useQuery(trpc.auth.sessions.queryOptions());
  const [confirming, setConfirming] = useState(false);
  const everywhere = useMutation(
    trpc.auth.signOutEverywhere.mutationOptions({ onSuccess: () => sessionStore.changed() }),
  );
  return (
    <section aria-labelledby="sessions-title">
      <div className="page-head">
        <h1 id="sessions-title">Settings</h1>
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Sign out everywhere
        </button>
      </div>
      <SettingsTabs />
      <h2>My sessions</h2>
      <ErrorBanner error={sessions.error} />
      {sessions.isPending && <p className="page-status">Loading your sessions…</p>}
      <div className="table-scroll">
        <table className="data-table">
          <caption className="visually-hidden">Your sessions</caption>
          <thead>
            <tr>
              <th scope="col">Signed in</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">Address</th>
              <th scope="col">Browser</th>
            </tr>
          </thead>
          <tbody>
            {sessions.data?.map((s) => (
              <tr key={s.id} data-testid="session-row" data-current={s.current || undefined}>
                <td>
                  {formatInstant(s.createdAt)}
                  {s.current && <span className="badge"> this session</span>}
                </td>
                <td>{formatInstant(s.lastUsedAt)}</td>
                <td>{formatInstant(s.expiresAt)}</td>
                <td className="mono">{s.clientIp ?? "—"}</td>
                <td className="small">{s.userAgent ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {confirming && (
        <ConfirmDialog
          title="Sign out everywhere?"
          confirmLabel="Sign out everywhere"
          pendingLabel="Signing out…"
          pending={everywhere.isPending}
          error={everywhere.error}
          onConfirm={() => everywhere.mutate()}
          onCancel={() => setConfirming(false)}
        >
          <p>Every session of yours ends now, this one included: you sign in again here.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
