import { changePasswordInput } from "@holdfast/domain";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { ErrorBanner } from "../components/error-banner.tsx";
import { Field } from "../components/field.tsx";
import { TableScroll } from "../components/table-scroll.tsx";
import { formatInstant } from "../format.ts";
import { ServerIssues } from "../forms/server-issues.tsx";
import { useZodForm } from "../forms/use-zod-form.ts";
import { usePageTitle } from "../page-title.ts";
import { sessionStore } from "../session-store.ts";
import { useTRPC } from "../trpc.ts";
import { SettingsTabs } from "./settings-tabs.tsx";

/** The signed-in user's own sessions (browsers and devices), and signing out of all of them at once. */
export function SessionsSettings() {
  usePageTitle("My sessions · Settings");
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
      <TableScroll label="Sessions">
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
      </TableScroll>
      <ChangePassword onChanged={() => void sessions.refetch()} />
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

const PASSWORD_FIELDS = new Set(["currentPassword", "newPassword"]);

/** The signed-in user's own password; their other sessions end. */
function ChangePassword({ onChanged }: { onChanged: () => void }) {
  const trpc = useTRPC();
  const {
    register,
    handleSubmit,
    reset,
    formState: { errors },
  } = useZodForm(changePasswordInput, { defaultValues: { currentPassword: "", newPassword: "" } });
  const change = useMutation(
    trpc.auth.changePassword.mutationOptions({
      onSuccess: () => {
        reset();
        onChanged();
      },
    }),
  );
  return (
    <form
      className="card form"
      aria-labelledby="change-password-title"
      noValidate
      onSubmit={handleSubmit((input) => change.mutate(input))}
    >
      <h2 id="change-password-title">Change my password</h2>
      {change.data && (
        <p className="notice" role="status" data-testid="password-changed">
          Password changed.{" "}
          {change.data.endedSessions === 1
            ? "1 other session ended."
            : `${change.data.endedSessions} other sessions ended.`}
        </p>
      )}
      <ServerIssues error={change.error} slotFor={(name) => (PASSWORD_FIELDS.has(name) ? name : null)}>
        <Field name="currentPassword" label="Current password" errors={errors}>
          {(a11y) => (
            <input type="password" autoComplete="current-password" {...a11y} {...register("currentPassword")} />
          )}
        </Field>
        <Field name="newPassword" label="New password" errors={errors} hint="At least 12 characters.">
          {(a11y) => <input type="password" autoComplete="new-password" {...a11y} {...register("newPassword")} />}
        </Field>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={change.isPending}>
            {change.isPending ? "Changing…" : "Change password"}
          </button>
        </div>
      </ServerIssues>
    </form>
  );
}
