import { PERMISSIONS, type TokenOutput } from "@holdfast/domain";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { ErrorBanner } from "../components/error-banner.tsx";
import { ListStates, LoadMore } from "../components/paged-list.tsx";
import { SecretDialog } from "../components/secret-dialog.tsx";
import { TableScroll } from "../components/table-scroll.tsx";
import { formatInstant } from "../format.ts";
import { usePageTitle } from "../page-title.ts";
import { useScope } from "../session.tsx";
import { useTRPC } from "../trpc.ts";
import { SettingsTabs } from "./settings-tabs.tsx";
import { CreateTokenDialog, RollTokenDialog } from "./token-dialogs.tsx";

type Dialog =
  | { kind: "create" }
  | { kind: "revoke"; token: TokenOutput }
  | { kind: "roll"; token: TokenOutput }
  | { kind: "secret"; title: string; secret: string };

/** The tenant's API tokens: create one (its secret shown once), see when each was last used, revoke or roll it. */
export function TokensSettings() {
  usePageTitle("API tokens · Settings");
  const trpc = useTRPC();
  const scope = useScope();
  const queryClient = useQueryClient();
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const list = useInfiniteQuery(
    trpc.tokens.list.infiniteQueryOptions(
      { ...scope, limit: 50 },
      { getNextPageParam: (p) => p.nextCursor ?? undefined },
    ),
  );
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.tokens.list.pathKey() });
  const revoke = useMutation(
    trpc.tokens.revoke.mutationOptions({
      onSuccess: () => {
        setDialog(null);
        void refresh();
      },
    }),
  );
  const showSecret = (title: string, secret: string) => {
    void refresh();
    setDialog({ kind: "secret", title, secret });
  };

  return (
    <section aria-labelledby="tokens-title">
      <div className="page-head">
        <h1 id="tokens-title">Settings</h1>
        <button type="button" className="primary" onClick={() => setDialog({ kind: "create" })}>
          New API token
        </button>
      </div>
      <SettingsTabs />
      <ErrorBanner error={list.error} />
      <TableScroll label="API tokens">
        <table className="data-table">
          <caption className="visually-hidden">API tokens, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Prefix</th>
              <th scope="col">Permissions</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((t) => (
              <tr key={t.locator} data-testid="token-row" data-name={t.name}>
                <td>{t.name}</td>
                <td className="mono">{t.prefix}</td>
                <td>{PERMISSIONS.filter((p) => t.permissions.includes(p)).join(", ")}</td>
                <td>
                  {formatInstant(t.createdAt)}
                  {t.createdBy && <span className="muted small"> by {t.createdBy}</span>}
                </td>
                <td data-testid="token-last-used">{t.lastUsedAt ? formatInstant(t.lastUsedAt) : "never"}</td>
                <td>{t.expiresAt ? formatInstant(t.expiresAt) : "never"}</td>
                <td data-testid="token-status">{tokenStatus(t)}</td>
                <td className="nowrap">
                  {!t.revokedAt && (
                    <>
                      <button type="button" onClick={() => setDialog({ kind: "roll", token: t })}>
                        Roll
                      </button>{" "}
                      <button type="button" className="danger" onClick={() => setDialog({ kind: "revoke", token: t })}>
                        Revoke
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <ListStates pages={list} count={items.length} loading="Loading the tokens…" emptyTestId="tokens-empty">
        No API tokens yet.
      </ListStates>
      <LoadMore pages={list} />

      {dialog?.kind === "create" && (
        <CreateTokenDialog
          onClose={() => setDialog(null)}
          onCreated={(t) => showSecret(`Token “${t.name}” created`, t.secret)}
        />
      )}
      {dialog?.kind === "roll" && (
        <RollTokenDialog
          token={dialog.token}
          onClose={() => setDialog(null)}
          onRolled={(t) => showSecret(`Token “${t.name}” rolled`, t.secret)}
        />
      )}
      {dialog?.kind === "revoke" && (
        <ConfirmDialog
          title={`Revoke “${dialog.token.name}”?`}
          confirmLabel="Revoke token"
          pendingLabel="Revoking…"
          pending={revoke.isPending}
          error={revoke.error}
          onConfirm={() => revoke.mutate({ ...scope, locator: dialog.token.locator })}
          onCancel={() => {
            revoke.reset();
            setDialog(null);
          }}
        >
          <p>
            Every request with <code>{dialog.token.prefix}…</code> is refused from now on, on every API. This cannot be
            undone.
          </p>
        </ConfirmDialog>
      )}
      {dialog?.kind === "secret" && (
        <SecretDialog title={dialog.title} label="Secret" secret={dialog.secret} onClose={() => setDialog(null)}>
          <p>
            Send it as <code>Authorization: Bearer …</code>.
          </p>
        </SecretDialog>
      )}
    </section>
  );
}

function tokenStatus(t: TokenOutput): string {
  if (t.revokedAt) return `revoked ${formatInstant(t.revokedAt)}`;
  if (t.rolledInto) return "rolled: works until it expires";
  if (t.expiresAt && Date.parse(t.expiresAt) <= Date.now()) return "expired";
  return "active";
}
