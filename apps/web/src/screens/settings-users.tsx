import { PERMISSIONS, type UserOutput } from "@holdfast/domain";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { ErrorBanner } from "../components/error-banner.tsx";
import { ListStates, LoadMore } from "../components/paged-list.tsx";
import { SecretDialog } from "../components/secret-dialog.tsx";
import { TableScroll } from "../components/table-scroll.tsx";
import { formatInstant } from "../format.ts";
import { useIdempotencyKey } from "../forms/use-idempotency-key.ts";
import { usePageTitle } from "../page-title.ts";
import { useScope, useSession } from "../session.tsx";
import { useTRPC, useTRPCClient } from "../trpc.ts";
import { SettingsTabs } from "./settings-tabs.tsx";
import { CreateUserDialog, EditUserDialog } from "./user-dialogs.tsx";

type Dialog =
  | { kind: "create" }
  | { kind: "edit"; user: UserOutput }
  | { kind: "disable"; user: UserOutput }
  | { kind: "link"; email: string; path: string; expiresAt: string }
  | { kind: "existing"; email: string };

/** The tenant's dashboard users: create one (with a set-password link to hand over), change permissions, disable. */
export function UsersSettings() {
  usePageTitle("Users · Settings");
  const trpc = useTRPC();
  const client = useTRPCClient();
  const scope = useScope();
  const me = useSession().actorName;
  const queryClient = useQueryClient();
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const list = useInfiniteQuery({
    queryKey: [...trpc.users.list.pathKey(), scope],
    queryFn: ({ pageParam }) => client.users.list.query({ ...scope, cursor: pageParam, limit: 100 }),
    initialPageParam: null as string | null,
    getNextPageParam: (p) => p.nextCursor,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.users.list.pathKey() });
  const resetLink = useMutation(
    trpc.users.resetLink.mutationOptions({
      onSuccess: (link, input) => {
        const user = items.find((u) => u.locator === input.locator);
        setDialog({ kind: "link", email: user?.email ?? "", ...link });
      },
    }),
  );

  return (
    <section aria-labelledby="users-title">
      <div className="page-head">
        <h1 id="users-title">Settings</h1>
        <button type="button" className="primary" onClick={() => setDialog({ kind: "create" })}>
          New user
        </button>
      </div>
      <SettingsTabs />
      <ErrorBanner error={list.error ?? resetLink.error} />
      <TableScroll label="Users">
        <table className="data-table">
          <caption className="visually-hidden">Users of the tenant</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Permissions</th>
              <th scope="col">Last sign-in</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((u) => (
              <tr key={u.locator} data-testid="user-row" data-email={u.email}>
                <td>{u.name}</td>
                <td>{u.email}</td>
                <td>{PERMISSIONS.filter((p) => u.permissions.includes(p)).join(", ") || "none"}</td>
                <td>{u.lastSignInAt ? formatInstant(u.lastSignInAt) : "never"}</td>
                <td data-testid="user-status">
                  {u.disabledAt
                    ? `disabled ${formatInstant(u.disabledAt)}`
                    : u.hasPassword
                      ? "active"
                      : "no password yet"}
                </td>
                <td className="nowrap">
                  {!u.disabledAt && (
                    <>
                      <button type="button" onClick={() => setDialog({ kind: "edit", user: u })}>
                        Edit
                      </button>{" "}
                      <button
                        type="button"
                        onClick={() => resetLink.mutate({ ...scope, locator: u.locator })}
                        disabled={resetLink.isPending}
                      >
                        New set-password link
                      </button>{" "}
                      {u.email !== me && (
                        <button
                          type="button"
                          className="danger"
                          onClick={() => setDialog({ kind: "disable", user: u })}
                        >
                          Disable
                        </button>
                      )}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <ListStates pages={list} count={items.length} loading="Loading the users…" emptyTestId="users-empty">
        No users yet.
      </ListStates>
      <LoadMore pages={list} />

      {dialog?.kind === "create" && (
        <CreateUserDialog
          onClose={() => setDialog(null)}
          onCreated={({ user, link }) => {
            void refresh();
            setDialog(link ? { kind: "link", email: user.email, ...link } : { kind: "existing", email: user.email });
          }}
        />
      )}
      {dialog?.kind === "edit" && (
        <EditUserDialog
          user={dialog.user}
          onClose={() => setDialog(null)}
          onSaved={() => {
            void refresh();
            setDialog(null);
          }}
        />
      )}
      {dialog?.kind === "disable" && (
        <DisableUserDialog
          user={dialog.user}
          onClose={() => setDialog(null)}
          onDisabled={() => {
            void refresh();
            setDialog(null);
          }}
        />
      )}
      {dialog?.kind === "link" && (
        <SecretDialog
          title={`Set-password link for ${dialog.email}`}
          label="Link"
          secret={`${window.location.origin}${dialog.path}`}
          onClose={() => setDialog(null)}
        >
          <p>
            Hand this link to {dialog.email}: it sets their password once, until {formatInstant(dialog.expiresAt)}.
          </p>
        </SecretDialog>
      )}
      {dialog?.kind === "existing" && (
        <ConfirmDialog
          title={`${dialog.email} added`}
          confirmLabel="Done"
          cancelLabel="Close"
          pending={false}
          error={null}
          onConfirm={() => setDialog(null)}
          onCancel={() => setDialog(null)}
        >
          <p>They already have a password, and can sign in to this tenant now.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function DisableUserDialog({
  user,
  onClose,
  onDisabled,
}: {
  user: UserOutput;
  onClose: () => void;
  onDisabled: () => void;
}) {
  const trpc = useTRPC();
  const scope = useScope();
  const idempotencyKey = useIdempotencyKey();
  const disable = useMutation(trpc.users.disable.mutationOptions({ onSuccess: onDisabled }));
  return (
    <ConfirmDialog
      title={`Disable ${user.name}?`}
      confirmLabel="Disable user"
      pendingLabel="Disabling…"
      pending={disable.isPending}
      error={disable.error}
      onConfirm={() => disable.mutate({ ...scope, locator: user.locator, idempotencyKey })}
      onCancel={onClose}
    >
      <p>
        {user.email} can no longer sign in, and every session of theirs ends now. This cannot be undone from the
        dashboard.
      </p>
    </ConfirmDialog>
  );
}
