import { PERMISSIONS, type UserOutput } from "@holdfast/domain";
import { useMutation } from "@tanstack/react-query";
import { DialogActions } from "../components/dialog-actions.tsx";
import { Field } from "../components/field.tsx";
import { Modal } from "../components/modal.tsx";
import { PermissionChecks } from "../components/permission-checks.tsx";
import { userEditForm, userForm } from "../forms/access-forms.ts";
import { ServerIssues } from "../forms/server-issues.tsx";
import { useIdempotencyKey } from "../forms/use-idempotency-key.ts";
import { useZodForm } from "../forms/use-zod-form.ts";
import { useScope } from "../session.tsx";
import { useTRPC } from "../trpc.ts";

const USER_FIELDS = new Set(["email", "name", "permissions"]);
const slotFor = (name: string) => (USER_FIELDS.has(name) ? name : null);

type Created = { user: UserOutput; link: { path: string; expiresAt: string } | null };

/** A new user of the tenant: email, name and permissions. They get a one-time link to set their password. */
export function CreateUserDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (c: Created) => void }) {
  const trpc = useTRPC();
  const scope = useScope();
  const idempotencyKey = useIdempotencyKey();
  const {
    register,
    handleSubmit,
    formState: { errors },
  } = useZodForm(userForm, { defaultValues: { email: "", name: "", permissions: [] } });
  const create = useMutation(trpc.users.create.mutationOptions({ onSuccess: onCreated }));
  return (
    <Modal title="New user" busy={create.isPending} onClose={onClose} className="form-dialog">
      <form onSubmit={handleSubmit((input) => create.mutate({ ...scope, ...input, idempotencyKey }))} noValidate>
        <ServerIssues error={create.error} slotFor={slotFor}>
          <Field name="email" label="Email" errors={errors}>
            {(a11y) => <input type="email" autoComplete="off" {...a11y} {...register("email")} />}
          </Field>
          <Field name="name" label="Name" errors={errors}>
            {(a11y) => <input autoComplete="off" {...a11y} {...register("name")} />}
          </Field>
          <PermissionChecks register={register} errors={errors} />
          <DialogActions
            pending={create.isPending}
            submitLabel="Create user"
            pendingLabel="Creating…"
            onClose={onClose}
          />
        </ServerIssues>
      </form>
    </Modal>
  );
}

/** A user's name and permissions in this tenant. */
export function EditUserDialog({
  user,
  onClose,
  onSaved,
}: {
  user: UserOutput;
  onClose: () => void;
  onSaved: () => void;
}) {
  const trpc = useTRPC();
  const scope = useScope();
  const idempotencyKey = useIdempotencyKey();
  const {
    register,
    handleSubmit,
    formState: { errors },
  } = useZodForm(userEditForm, {
    defaultValues: { name: user.name, permissions: PERMISSIONS.filter((p) => user.permissions.includes(p)) },
  });
  const update = useMutation(trpc.users.update.mutationOptions({ onSuccess: onSaved }));
  return (
    <Modal title={`Edit ${user.email}`} busy={update.isPending} onClose={onClose} className="form-dialog">
      <form
        onSubmit={handleSubmit((input) =>
          update.mutate({ ...scope, ...input, locator: user.locator, expectedVersion: user.version, idempotencyKey }),
        )}
        noValidate
      >
        <ServerIssues error={update.error} slotFor={slotFor}>
          <Field name="name" label="Name" errors={errors}>
            {(a11y) => <input autoComplete="off" {...a11y} {...register("name")} />}
          </Field>
          <PermissionChecks register={register} errors={errors} />
          <DialogActions pending={update.isPending} submitLabel="Save user" pendingLabel="Saving…" onClose={onClose} />
        </ServerIssues>
      </form>
    </Modal>
  );
}
