import { zBusinessDate } from "@holdfast/domain";
import { useQueryClient } from "@tanstack/react-query";
import { z } from "zod";
import { Field } from "../components/field.tsx";
import { Modal } from "../components/modal.tsx";
import { useZodForm } from "../forms/use-zod-form.ts";
import { useScope } from "../session.tsx";
import { useTRPC, useTRPCClient } from "../trpc.ts";
import { BulkRunResults, useBulkRun } from "./use-bulk-run.tsx";

/** Days, or a new end date: what the single extension takes, one of the two. */
export const extendManyForm = z.discriminatedUnion("by", [
  z.object({ by: z.literal("days"), days: z.coerce.number<string>().int().min(1).max(3650) }),
  z.object({ by: z.literal("date"), date: zBusinessDate }),
]);

/**
 * Extends the grace period of the selected subscriptions: by a number of days
 * or to a date, each as the single extension does (subscriptions.extendGraceMany,
 * a chunk at a time, one key per chunk), then every subscription's result.
 */
export function BulkExtendDialog({
  locators,
  onClose,
}: {
  locators: readonly string[];
  onClose: (done: boolean) => void;
}) {
  const client = useTRPCClient();
  const trpc = useTRPC();
  const scope = useScope();
  const queryClient = useQueryClient();
  const bulk = useBulkRun(locators);
  const {
    register,
    handleSubmit,
    watch,
    formState: { errors },
  } = useZodForm(extendManyForm, { defaultValues: { by: "days", days: "" }, shouldUnregister: true });
  const by = watch("by");

  const run = handleSubmit(async (v) => {
    const end = v.by === "days" ? { endGracePeriodAfterDays: v.days } : { endGracePeriodOn: v.date };
    await bulk.start(
      (chunk, idempotencyKey) =>
        client.subscriptions.extendGraceMany.mutate({
          ...scope,
          idempotencyKey,
          ...end,
          expectedCount: chunk.length,
          selection: { locators: chunk },
        }),
      () => void queryClient.invalidateQueries(trpc.subscriptions.pathFilter()),
    );
  });

  const n = locators.length;
  return (
    <Modal
      title={`Extend the grace of ${n} ${n === 1 ? "subscription" : "subscriptions"}`}
      busy={bulk.running}
      onClose={() => onClose(bulk.done)}
    >
      {bulk.outcomes === null ? (
        <form noValidate onSubmit={run} data-testid="bulk-extend-form">
          <fieldset className="radio-row">
            <legend>Extend</legend>
            <label className="check">
              <input type="radio" value="days" {...register("by")} /> by a number of days
            </label>
            <label className="check">
              <input type="radio" value="date" {...register("by")} /> to a date
            </label>
          </fieldset>
          {by === "date" ? (
            <Field name="date" label="New grace end" errors={errors}>
              {(a11y) => <input type="date" {...a11y} {...register("date")} />}
            </Field>
          ) : (
            <Field
              name="days"
              label="Days"
              errors={errors}
              hint="Each subscription is extended as its own Extend grace period would be."
            >
              {(a11y) => <input type="number" inputMode="numeric" min={1} max={3650} {...a11y} {...register("days")} />}
            </Field>
          )}
          <div className="form-actions">
            <button type="submit" className="primary">
              Extend {n}
            </button>
            <button type="button" onClick={() => onClose(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <BulkRunResults run={{ ...bulk, outcomes: bulk.outcomes }} total={n} okText="extended" onClose={onClose} />
      )}
    </Modal>
  );
}
