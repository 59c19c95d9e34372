import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorBanner } from "../components/error-banner.tsx";
import { Field } from "../components/field.tsx";
import { tenantSettingsForm } from "../forms/access-forms.ts";
import { ServerIssues } from "../forms/server-issues.tsx";
import { useIdempotencyKey } from "../forms/use-idempotency-key.ts";
import { useZodForm } from "../forms/use-zod-form.ts";
import { usePageTitle } from "../page-title.ts";
import { useScope } from "../session.tsx";
import { useTRPC } from "../trpc.ts";
import { SettingsTabs } from "./settings-tabs.tsx";

const FIELDS = new Set(["graceDays", "timeZone"]);

/** The tenant's settings: the default grace period and the time zone its business dates are in. */
export function TenantSettings() {
  usePageTitle("Tenant · Settings");
  const trpc = useTRPC();
  const scope = useScope();
  const settings = useQuery(trpc.settings.get.queryOptions(scope));
  const [saved, setSaved] = useState(false);
  return (
    <section aria-labelledby="settings-title">
      <div className="page-head">
        <h1 id="settings-title">Settings</h1>
      </div>
      <SettingsTabs />
      <ErrorBanner error={settings.error} />
      {settings.isPending && <p className="page-status">Loading the settings…</p>}
      {saved && (
        <p className="notice" role="status" data-testid="settings-saved">
          Settings saved.
        </p>
      )}
      {settings.data && (
        // A new form (and idempotency key) for each version: the next save is a new change.
        <SettingsForm key={settings.data.version} current={settings.data} onSaved={() => setSaved(true)} />
      )}
    </section>
  );
}

function SettingsForm({
  current,
  onSaved,
}: {
  current: { name: string; graceDays: number; timeZone: string; version: number };
  onSaved: () => void;
}) {
  const trpc = useTRPC();
  const scope = useScope();
  const queryClient = useQueryClient();
  const idempotencyKey = useIdempotencyKey();
  const {
    register,
    handleSubmit,
    formState: { errors },
  } = useZodForm(tenantSettingsForm, { defaultValues: { graceDays: current.graceDays, timeZone: current.timeZone } });
  const update = useMutation(
    trpc.settings.update.mutationOptions({
      onSuccess: (next) => {
        queryClient.setQueryData(trpc.settings.get.queryKey(scope), next);
        onSaved();
      },
    }),
  );
  return (
    <form
      className="card form"
      aria-label={`Settings of ${current.name}`}
      noValidate
      onSubmit={handleSubmit((values) =>
        update.mutate({ ...scope, ...values, idempotencyKey, expectedVersion: current.version }),
      )}
    >
      <ServerIssues error={update.error} slotFor={(name) => (FIELDS.has(name) ? name : null)}>
        <Field
          name="graceDays"
          label="Grace days"
          errors={errors}
          hint="How long a subscription stays effective after a missed payment, unless its own terms say otherwise."
        >
          {(a11y) => (
            <input
              type="number"
              min={0}
              max={365}
              inputMode="numeric"
              {...a11y}
              {...register("graceDays", { valueAsNumber: true })}
            />
          )}
        </Field>
        <Field
          name="timeZone"
          label="Time zone"
          errors={errors}
          hint="An IANA time zone such as Europe/Prague: the tenant's business dates begin at its midnight."
        >
          {(a11y) => <input autoComplete="off" {...a11y} {...register("timeZone")} />}
        </Field>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={update.isPending}>
            {update.isPending ? "Saving…" : "Save settings"}
          </button>
        </div>
      </ServerIssues>
    </form>
  );
}
