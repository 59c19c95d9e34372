import type { WebhookOutput } from "@holdfast/domain";
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
import { WebhookDeliveries } from "./webhook-deliveries.tsx";
import { CreateWebhookDialog, EditWebhookDialog } from "./webhook-dialogs.tsx";
import "./webhooks.css";

type Dialog =
  | { kind: "create" }
  | { kind: "edit"; endpoint: WebhookOutput }
  | { kind: "rotate"; endpoint: WebhookOutput }
  | { kind: "delete"; endpoint: WebhookOutput }
  | { kind: "secret"; title: string; secret: string };

/**
 * The tenant's webhook endpoints: create one (its signing secret shown once),
 * edit, enable or disable, rotate the secret, delete, send a test event, and
 * see an endpoint's deliveries with their responses (and replay one).
 */
export function WebhooksSettings() {
  usePageTitle("Webhooks · Settings");
  const trpc = useTRPC();
  const scope = useScope();
  const queryClient = useQueryClient();
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const list = useInfiniteQuery(
    trpc.webhooks.list.infiniteQueryOptions(
      { ...scope, limit: 50 },
      { getNextPageParam: (p) => p.nextCursor ?? undefined },
    ),
  );
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.webhooks.list.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.webhooks.deliveries.pathKey() });
  };
  const closeAndRefresh = () => {
    setDialog(null);
    refresh();
  };
  const update = useMutation(trpc.webhooks.update.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(
    trpc.webhooks.delete.mutationOptions({
      onSuccess: (e) => {
        if (selected === e.locator) setSelected(null);
        closeAndRefresh();
      },
    }),
  );
  const rotate = useMutation(
    trpc.webhooks.rotateSecret.mutationOptions({
      onSuccess: (e) => {
        refresh();
        setDialog({ kind: "secret", title: `New signing secret for ${e.url}`, secret: e.secret });
      },
    }),
  );
  const sendTest = useMutation(
    trpc.webhooks.sendTest.mutationOptions({
      onSuccess: (_d, input) => {
        setSelected(input.endpoint);
        refresh();
      },
    }),
  );
  const chosen = items.find((e) => e.locator === selected) ?? null;

  return (
    <section aria-labelledby="webhooks-title">
      <div className="page-head">
        <h1 id="webhooks-title">Settings</h1>
        <button type="button" className="primary" onClick={() => setDialog({ kind: "create" })}>
          New webhook endpoint
        </button>
      </div>
      <SettingsTabs />
      <ErrorBanner error={list.error ?? update.error ?? sendTest.error} />
      <TableScroll label="Webhook endpoints">
        <table className="data-table">
          <caption className="visually-hidden">Webhook endpoints, newest first</caption>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Event types</th>
              <th scope="col">Status</th>
              <th scope="col">Secret</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.locator} data-testid="webhook-row" data-url={e.url}>
                <td>
                  <span className="mono">{e.url}</span>
                  {e.description && <div className="muted small">{e.description}</div>}
                </td>
                <td className="small">{e.eventTypes.join(", ")}</td>
                <td data-testid="webhook-status">{endpointStatus(e)}</td>
                <td className="mono">
                  {e.secretPrefix}…
                  {e.previousSecretExpiresAt && Date.parse(e.previousSecretExpiresAt) > Date.now() && (
                    <div className="muted small">
                      old one signs too until {formatInstant(e.previousSecretExpiresAt)}
                    </div>
                  )}
                </td>
                <td>{formatInstant(e.createdAt)}</td>
                <td className="webhook-actions">
                  <button
                    type="button"
                    aria-pressed={selected === e.locator}
                    aria-label={`Deliveries to ${e.url}`}
                    onClick={() => setSelected(selected === e.locator ? null : e.locator)}
                  >
                    Deliveries
                  </button>
                  <button
                    type="button"
                    aria-label={`Send test to ${e.url}`}
                    disabled={e.status === "disabled" || sendTest.isPending}
                    onClick={() => sendTest.mutate({ ...scope, endpoint: e.locator })}
                  >
                    Send test
                  </button>
                  <button
                    type="button"
                    aria-label={`Edit ${e.url}`}
                    onClick={() => setDialog({ kind: "edit", endpoint: e })}
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    aria-label={`${e.status === "disabled" ? "Enable" : "Disable"} ${e.url}`}
                    disabled={update.isPending}
                    onClick={() =>
                      update.mutate({
                        ...scope,
                        locator: e.locator,
                        version: e.version,
                        enabled: e.status === "disabled",
                      })
                    }
                  >
                    {e.status === "disabled" ? "Enable" : "Disable"}
                  </button>
                  <button
                    type="button"
                    aria-label={`Rotate secret of ${e.url}`}
                    onClick={() => setDialog({ kind: "rotate", endpoint: e })}
                  >
                    Rotate secret
                  </button>
                  <button
                    type="button"
                    className="danger"
                    aria-label={`Delete ${e.url}`}
                    onClick={() => setDialog({ kind: "delete", endpoint: e })}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <ListStates pages={list} count={items.length} loading="Loading the endpoints…" emptyTestId="webhooks-empty">
        No webhook endpoints yet.
      </ListStates>
      <LoadMore pages={list} />

      {chosen && <WebhookDeliveries endpoint={chosen} />}

      {dialog?.kind === "create" && (
        <CreateWebhookDialog
          onClose={() => setDialog(null)}
          onCreated={(e) => {
            refresh();
            setDialog({ kind: "secret", title: `Endpoint ${e.url} created`, secret: e.secret });
          }}
        />
      )}
      {dialog?.kind === "edit" && <EditWebhookDialog endpoint={dialog.endpoint} onClose={closeAndRefresh} />}
      {dialog?.kind === "rotate" && (
        <ConfirmDialog
          title={`Rotate the signing secret of ${dialog.endpoint.url}?`}
          confirmLabel="Rotate secret"
          pendingLabel="Rotating…"
          pending={rotate.isPending}
          error={rotate.error}
          onConfirm={() => rotate.mutate({ ...scope, locator: dialog.endpoint.locator })}
          onCancel={() => {
            rotate.reset();
            setDialog(null);
          }}
        >
          <p>
            A new secret signs every delivery from now on. The current one (<code>{dialog.endpoint.secretPrefix}…</code>
            ) signs beside it for 24 hours, so the receiver can switch over.
          </p>
        </ConfirmDialog>
      )}
      {dialog?.kind === "delete" && (
        <ConfirmDialog
          title={`Delete ${dialog.endpoint.url}?`}
          confirmLabel="Delete endpoint"
          pendingLabel="Deleting…"
          pending={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate({ ...scope, locator: dialog.endpoint.locator })}
          onCancel={() => {
            remove.reset();
            setDialog(null);
          }}
        >
          <p>Its pending deliveries are dropped and no more events are sent to it. This cannot be undone.</p>
        </ConfirmDialog>
      )}
      {dialog?.kind === "secret" && (
        <SecretDialog
          title={dialog.title}
          label="Signing secret"
          secret={dialog.secret}
          onClose={() => setDialog(null)}
        >
          <p>
            The receiver verifies each delivery's <code>webhook-signature</code> with it (Standard Webhooks).
          </p>
        </SecretDialog>
      )}
    </section>
  );
}

function endpointStatus(e: WebhookOutput): string {
  if (e.status === "disabled") return `disabled${e.disabledAt ? ` ${formatInstant(e.disabledAt)}` : ""}`;
  if (e.status === "failing") return `failing since ${e.failingSince ? formatInstant(e.failingSince) : "?"}`;
  return "enabled";
}
