import { type CreatedWebhookOutput, EVENT_TYPES, type WebhookOutput } from "@holdfast/domain";
import { useMutation } from "@tanstack/react-query";
import { DialogActions } from "../components/dialog-actions.tsx";
import { Field } from "../components/field.tsx";
import { FieldError } from "../components/field-error.tsx";
import { Modal } from "../components/modal.tsx";
import { ServerIssues } from "../forms/server-issues.tsx";
import { useIdempotencyKey } from "../forms/use-idempotency-key.ts";
import { useZodForm } from "../forms/use-zod-form.ts";
import { webhookForm } from "../forms/webhook-forms.ts";
import { useScope } from "../session.tsx";
import { useTRPC } from "../trpc.ts";

const FIELDS = new Set(["url", "eventTypes", "description"]);
const slotFor = (name: string) => {
  const top = name.split(/[.[]/)[0] ?? name;
  return FIELDS.has(top) ? top : null;
};

/** The form's fields: URL, a checkbox per event type, description. */
function WebhookFields({ form }: { form: ReturnType<typeof useZodForm<typeof webhookForm>> }) {
  const {
    register,
    formState: { errors },
  } = form;
  return (
    <>
      <Field name="url" label="URL" errors={errors} hint="Where Holdfast POSTs the events: http:// or https://.">
        {(a11y) => <input type="url" autoComplete="off" className="mono" {...a11y} {...register("url")} />}
      </Field>
      <fieldset className="checks webhook-event-types" data-field="eventTypes">
        <legend>Event types</legend>
        {EVENT_TYPES.map((t) => (
          <label key={t} className="check">
            <input type="checkbox" value={t} {...register("eventTypes")} />
            <code className="small">{t}</code>
          </label>
        ))}
        <FieldError errors={errors} name="eventTypes" />
      </fieldset>
      <Field
        name="description"
        label="Description (optional)"
        errors={errors}
        hint="Who receives it, e.g. “billing engine”."
      >
        {(a11y) => <input autoComplete="off" {...a11y} {...register("description")} />}
      </Field>
    </>
  );
}

/** A new endpoint; its signing secret is shown once after. */
export function CreateWebhookDialog({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (endpoint: CreatedWebhookOutput) => void;
}) {
  const trpc = useTRPC();
  const scope = useScope();
  const form = useZodForm(webhookForm, { defaultValues: { url: "", eventTypes: [], description: "" } });
  const create = useMutation(trpc.webhooks.create.mutationOptions({ onSuccess: onCreated }));
  return (
    <Modal title="New webhook endpoint" busy={create.isPending} onClose={onClose} className="form-dialog">
      <form onSubmit={form.handleSubmit((input) => create.mutate({ ...scope, ...input }))} noValidate>
        <ServerIssues error={create.error} slotFor={slotFor}>
          <WebhookFields form={form} />
          <DialogActions
            pending={create.isPending}
            submitLabel="Create endpoint"
            pendingLabel="Creating…"
            onClose={onClose}
          />
        </ServerIssues>
      </form>
    </Modal>
  );
}

/** Changes an endpoint's URL, event types and description, at the version shown. */
export function EditWebhookDialog({ endpoint, onClose }: { endpoint: WebhookOutput; onClose: () => void }) {
  const trpc = useTRPC();
  const scope = useScope();
  const idempotencyKey = useIdempotencyKey();
  const form = useZodForm(webhookForm, {
    defaultValues: { url: endpoint.url, eventTypes: endpoint.eventTypes as never, description: endpoint.description },
  });
  const update = useMutation(trpc.webhooks.update.mutationOptions({ onSuccess: onClose }));
  return (
    <Modal title="Edit webhook endpoint" busy={update.isPending} onClose={onClose} className="form-dialog">
      <form
        onSubmit={form.handleSubmit((input) =>
          update.mutate({ ...scope, ...input, locator: endpoint.locator, version: endpoint.version, idempotencyKey }),
        )}
        noValidate
      >
        <ServerIssues error={update.error} slotFor={slotFor}>
          <WebhookFields form={form} />
          <DialogActions
            pending={update.isPending}
            submitLabel="Save endpoint"
            pendingLabel="Saving…"
            onClose={onClose}
          />
        </ServerIssues>
      </form>
    </Modal>
  );
}
