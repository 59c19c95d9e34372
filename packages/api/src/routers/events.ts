import { eventPageOutput, eventsListPermission, listEventsInput } from "@holdfast/domain";
import { listEvents } from "@holdfast/services";
import { router, scopedProcedure } from "../trpc.ts";

export const eventsRouter = router({
  /**
   * The tenant's domain events of the last 30 days, oldest first, paged by the last event id seen. Any member may
   * list; each sees the entity kinds it may read. Asking for one entity needs read access to its kind.
   */
  list: scopedProcedure(eventsListPermission)
    .input(listEventsInput)
    .output(eventPageOutput)
    .query(({ ctx, input }) => listEvents(ctx.service, input)),
});
