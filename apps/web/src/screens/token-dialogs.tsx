import type { CreatedTokenOutput, TokenOutput } from "@holdfast/domain";
import { useMutation } from "@tanstack/react-query";
import { DialogActions } from "../components/dialog-actions.tsx";
import { Field } from "../components/field.tsx";
import { Modal } from "../components/modal.tsx";
import { PermissionChecks } from "../components/permission-checks.tsx";
import { rollForm, tokenForm } from "../forms/access-forms.ts";
import { ServerIssues } from "../forms/server-issues.tsx";
import { useZodForm } from "../forms/use-zod-form.ts";
import { useScope } from "../session.tsx";
import { useTRPC } from "../trpc.ts";

const TOKEN_FIELDS = new Set(["name", "permissions", "expiresOn"]);

/** A new API token: its name, the permissions it carries in this tenant, and an optional expiry. */
export function CreateTokenDialog({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (token: CreatedTokenOutput) => void;
}) {
  const trpc = useTRPC();
  const scope = useScope();
  const {
    register,
    handleSubmit,
    formState: { errors },
  } = useZodForm(tokenForm, { defaultValues: { name: "", permissions: [], expiresOn: "" } });
  const create = useMutation(trpc.tokens.create.mutationOptions({ onSuccess: onCreated }));
  return (
    <Modal title="New API token" busy={create.isPending} onClose={onClose} className="form-dialog">
      <form onSubmit={handleSubmit((input) => create.mutate({ ...scope, ...input }))} noValidate>
        <ServerIssues
          error={create.error}
          slotFor={(name) => (name === "expiresAt" ? "expiresOn" : TOKEN_FIELDS.has(name) ? name : null)}
        >
          <Field name="name" label="Name" errors={errors} hint="Who or what uses it, e.g. “billing sync”.">
            {(a11y) => <input autoComplete="off" {...a11y} {...register("name")} />}
          </Field>
          <PermissionChecks register={register} errors={errors} />
          <Field
            name="expiresOn"
            label="Expires on (optional)"
            errors={errors}
            hint="It stops working at the start of that day, your time. Empty: it does not expire."
          >
            {(a11y) => <input type="date" {...a11y} {...register("expiresOn")} />}
          </Field>
          <DialogActions
            pending={create.isPending}
            submitLabel="Create token"
            pendingLabel="Creating…"
            onClose={onClose}
          />
        </ServerIssues>
      </form>
    </Modal>
  );
}

/** A new secret for a token; the old one keeps working for the overlap, so its users can switch over. */
export function RollTokenDialog({
  token,
  onClose,
  onRolled,
}: {
  token: TokenOutput;
  onClose: () => void;
  onRolled: (token: CreatedTokenOutput) => void;
}) {
  const trpc = useTRPC();
  const scope = useScope();
  const {
    register,
    handleSubmit,
    formState: { errors },
  } = useZodForm(rollForm, { defaultValues: { overlapHours: "" } });
  const roll = useMutation(trpc.tokens.roll.mutationOptions({ onSuccess: onRolled }));
  return (
    <Modal title={`Roll “${token.name}”`} busy={roll.isPending} onClose={onClose} className="form-dialog">
      <form onSubmit={handleSubmit((input) => roll.mutate({ ...scope, locator: token.locator, ...input }))} noValidate>
        <ServerIssues error={roll.error} slotFor={(name) => (name === "overlapUntil" ? "overlapHours" : null)}>
          <p className="hint">
            A new secret is issued with the same name and permissions. The old one (<code>{token.prefix}…</code>) keeps
            working for the overlap, then stops.
          </p>
          <Field
            name="overlapHours"
            label="Overlap (hours, optional)"
            errors={errors}
            hint="From 1 to 168 (7 days). Empty: 24 hours."
          >
            {(a11y) => (
              <input type="number" min={1} max={168} inputMode="numeric" {...a11y} {...register("overlapHours")} />
            )}
          </Field>
          <DialogActions pending={roll.isPending} submitLabel="Roll token" pendingLabel="Rolling…" onClose={onClose} />
        </ServerIssues>
      </form>
    </Modal>
  );
}
