import type { AppRouter } from "@holdfast/api";
import { EVENT_ENTITY_TYPES, type EventEntityType } from "@holdfast/domain";
import { useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { formatInstant } from "../format.ts";
import { useScope } from "../session.tsx";
import { useTRPC } from "../trpc.ts";
import "./entity-events.css";

type EventItem = inferRouterOutputs<AppRouter>["events"]["list"]["items"][number];

/** events.list shows an event once it has settled (about a second after its change): look again meanwhile. */
const REFRESH_MS = 3000;

const isEventEntity = (t: string): t is EventEntityType => (EVENT_ENTITY_TYPES as readonly string[]).includes(t);

/**
 * The domain events a record's changes published (events.list for the
 * entity, oldest first): each type as a badge, and when. Nothing for kinds
 * without events (accounts).
 */
export function EntityEvents({ entityType, entityId }: { entityType: string; entityId: string }) {
  if (!isEventEntity(entityType)) return null;
  return <EventList type={entityType} id={entityId} />;
}

function EventList({ type, id }: { type: EventEntityType; id: string }) {
  const trpc = useTRPC();
  const scope = useScope();
  const events = useQuery({
    ...trpc.events.list.queryOptions({ ...scope, entity: { type, id }, limit: 500 }),
    refetchInterval: REFRESH_MS,
  });
  const items: EventItem[] = events.data?.items ?? [];
  return (
    <div className="entity-events" data-testid="entity-events">
      <h3>Published events</h3>
      {events.data && items.length === 0 && <p className="muted small">None yet.</p>}
      <ol>
        {items.map((e) => (
          <li key={e.id} data-testid="entity-event" data-type={e.type}>
            <span className="badge event-type">{e.type}</span>
            <time dateTime={e.occurredAt}>{formatInstant(e.occurredAt)}</time>
          </li>
        ))}
      </ol>
    </div>
  );
}
