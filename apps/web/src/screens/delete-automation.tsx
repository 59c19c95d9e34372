import type { AutomationOutput } from "@holdfast/domain";
import { useMutation } from "@tanstack/react-query";
import { useAutomationsChanged } from "../automations.ts";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { useScope } from "../session.tsx";
import { useTRPC } from "../trpc.ts";

/** "Delete automation X?", then automations.delete. */
export function DeleteAutomationDialog({
  automation,
  onDeleted,
  onCancel,
}: {
  automation: Pick<AutomationOutput, "id" | "name" | "assignments">;
  onDeleted: () => void;
  onCancel: () => void;
}) {
  const trpc = useTRPC();
  const scope = useScope();
  const changed = useAutomationsChanged();
  const remove = useMutation(
    trpc.automations.delete.mutationOptions({
      onSuccess: () => {
        changed();
        onDeleted();
      },
    }),
  );
  const count = automation.assignments.length;
  return (
    <ConfirmDialog
      title={`Delete automation ${automation.name}?`}
      confirmLabel="Delete"
      pendingLabel="Deleting…"
      pending={remove.isPending}
      error={remove.error}
      onConfirm={() => remove.mutate({ ...scope, automationIds: [automation.id] })}
      onCancel={onCancel}
    >
      <p>
        Its {count} {count === 1 ? "assignment goes" : "assignments go"} with it, and order items it routed will no
        longer be routed by it. This cannot be undone.
      </p>
    </ConfirmDialog>
  );
}
