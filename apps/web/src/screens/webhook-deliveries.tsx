import type { WebhookDeliveryOutput, WebhookOutput } from "@holdfast/domain";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useId } from "react";
import { ErrorBanner } from "../components/error-banner.tsx";
import { ListStates, LoadMore } from "../components/paged-list.tsx";
import { TableScroll } from "../components/table-scroll.tsx";
import { formatInstant } from "../format.ts";
import { useScope } from "../session.tsx";
import { useTRPC } from "../trpc.ts";

/** One endpoint's deliveries, newest first: status, attempts, the response code and body; replay one. */
export function WebhookDeliveries({ endpoint }: { endpoint: WebhookOutput }) {
  const trpc = useTRPC();
  const scope = useScope();
  const titleId = useId();
  const queryClient = useQueryClient();
  const list = useInfiniteQuery(
    trpc.webhooks.deliveries.infiniteQueryOptions(
      { ...scope, endpoint: endpoint.locator, limit: 20 },
      { getNextPageParam: (p) => p.nextCursor ?? undefined },
    ),
  );
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const replay = useMutation(
    trpc.webhooks.replay.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.webhooks.deliveries.pathKey() }),
    }),
  );
  return (
    <section className="webhook-deliveries" aria-labelledby={titleId}>
      <h2 id={titleId}>
        Deliveries to <span className="mono">{endpoint.url}</span>
      </h2>
      <ErrorBanner error={list.error ?? replay.error} />
      <TableScroll label="Deliveries">
        <table className="data-table">
          <caption className="visually-hidden">Deliveries to {endpoint.url}, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Response</th>
              <th scope="col">Last attempt</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.locator} data-testid="delivery-row" data-origin={d.origin}>
                <td>
                  <code className="small">{d.eventType}</code>
                  <div className="muted small mono">{d.eventId}</div>
                  {d.origin !== "event" && <div className="muted small">{d.origin}</div>}
                </td>
                <td data-testid="delivery-status">{deliveryStatus(d)}</td>
                <td>{d.attempts}</td>
                <td>
                  {d.lastStatusCode ?? d.lastError ?? "—"}
                  {d.recentAttempts.length > 0 && <Attempts delivery={d} />}
                </td>
                <td>{d.lastAttemptAt ? formatInstant(d.lastAttemptAt) : "—"}</td>
                <td>{formatInstant(d.createdAt)}</td>
                <td>
                  <button
                    type="button"
                    aria-label={`Replay ${d.eventType} ${d.eventId}`}
                    disabled={replay.isPending || endpoint.status === "disabled"}
                    onClick={() => replay.mutate({ ...scope, endpoint: endpoint.locator, eventId: d.eventId })}
                  >
                    Replay
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <ListStates pages={list} count={items.length} loading="Loading the deliveries…" emptyTestId="deliveries-empty">
        No deliveries to this endpoint yet.
      </ListStates>
      <LoadMore pages={list} />
    </section>
  );
}

/** The latest attempts: when, how long, the status code or error, and the start of the response body. */
function Attempts({ delivery }: { delivery: WebhookDeliveryOutput }) {
  return (
    <details className="webhook-attempts">
      <summary>Attempts</summary>
      <ol>
        {delivery.recentAttempts.map((a) => (
          <li key={a.attemptedAt}>
            {formatInstant(a.attemptedAt)} · {a.durationMs} ms · {a.statusCode ?? a.error ?? "no answer"}
            {a.responseBody && <pre className="webhook-body">{a.responseBody}</pre>}
          </li>
        ))}
      </ol>
    </details>
  );
}

function deliveryStatus(d: WebhookDeliveryOutput): string {
  if (d.status === "pending") return d.nextAttemptAt ? `pending, next ${formatInstant(d.nextAttemptAt)}` : "pending";
  return `${d.status}${d.completedAt ? ` ${formatInstant(d.completedAt)}` : ""}`;
}
