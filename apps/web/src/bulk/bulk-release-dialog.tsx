import { useQueryClient } from "@tanstack/react-query";
import { Field } from "../components/field.tsx";
import { Modal } from "../components/modal.tsx";
import { reasonForm } from "../components/reason-dialog.tsx";
import { useZodForm } from "../forms/use-zod-form.ts";
import { useScope } from "../session.tsx";
import { useTRPC, useTRPCClient } from "../trpc.ts";
import { BulkRunResults, useBulkRun } from "./use-bulk-run.tsx";

/**
 * Releases the selected holds with one reason (required): asks it, then sends
 * the locators a chunk at a time (holds.releaseMany, one key per chunk from
 * this dialog's key), shows the progress and then every hold's result.
 */
export function BulkReleaseDialog({
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
    formState: { errors },
  } = useZodForm(reasonForm, { defaultValues: { reason: "" } });

  const run = handleSubmit(async ({ reason }) => {
    await bulk.start(
      (chunk, idempotencyKey) =>
        client.holds.releaseMany.mutate({
          ...scope,
          idempotencyKey,
          reason: reason.trim(),
          expectedCount: chunk.length,
          selection: { locators: chunk },
        }),
      () => void queryClient.invalidateQueries(trpc.holds.pathFilter()),
    );
  });

  return (
    <Modal
      title={`Release ${locators.length} ${locators.length === 1 ? "hold" : "holds"}`}
      busy={bulk.running}
      onClose={() => onClose(bulk.done)}
    >
      {bulk.outcomes === null ? (
        <form noValidate onSubmit={run} data-testid="bulk-release-form">
          <p>Released is final: each account is no longer held for that hold's processes.</p>
          <Field name="reason" label="Reason" errors={errors} hint="Required: kept on every hold and in its history.">
            {(a11y) => <textarea {...a11y} rows={3} maxLength={500} {...register("reason")} />}
          </Field>
          <div className="form-actions">
            <button type="submit" className="danger">
              Release {locators.length}
            </button>
            <button type="button" onClick={() => onClose(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <BulkRunResults
          run={{ ...bulk, outcomes: bulk.outcomes }}
          total={locators.length}
          okText="released"
          onClose={onClose}
        />
      )}
    </Modal>
  );
}
