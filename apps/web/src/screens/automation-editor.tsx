import type { AutomationOutput } from "@holdfast/domain";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useLocation } from "wouter";
import { GUID_RE, useAutomation, useAutomationsChanged } from "../automations.ts";
import { ErrorBanner } from "../components/error-banner.tsx";
import { HistoryTimeline } from "../components/history-timeline.tsx";
import { planAutomationEdit } from "../forms/automation-edit.ts";
import { automationFormDefaults, type CheckedAutomation } from "../forms/automation-forms.ts";
import { useIdempotencyKey } from "../forms/use-idempotency-key.ts";
import { usePageTitle } from "../page-title.ts";
import { useCan, useScope } from "../session.tsx";
import { useTRPC } from "../trpc.ts";
import { AutomationForm, type ServerFailure } from "./automation-form.tsx";
import { DeleteAutomationDialog } from "./delete-automation.tsx";

export function CreateAutomation() {
  usePageTitle("New billing automation");
  const trpc = useTRPC();
  const scope = useScope();
  const [, navigate] = useLocation();
  const changed = useAutomationsChanged();
  const canWrite = useCan("automations:write");
  const idempotencyKey = useIdempotencyKey();
  const add = useMutation(
    trpc.automations.add.mutationOptions({
      onSuccess: () => {
        changed();
        navigate("/automations");
      },
    }),
  );
  return (
    <AutomationForm
      title="New billing automation"
      submitLabel="Create automation"
      defaults={automationFormDefaults()}
      readOnly={!canWrite}
      pending={add.isPending}
      failure={add.error ? { error: add.error, source: { call: "add" } } : null}
      onSave={({ input }) => add.mutate({ ...scope, idempotencyKey, automations: [input] })}
    />
  );
}

export function EditAutomation({ id }: { id: string }) {
  usePageTitle("Billing automation");
  const automation = useAutomation(id);
  const notFound = (
    <section>
      <h1>Billing automation</h1>
      <p role="alert" className="alert">
        Not found: it does not exist, or it belongs to another tenant.
      </p>
      <Link href="/automations">Back to the automations</Link>
    </section>
  );
  if (!GUID_RE.test(id)) return notFound;
  // An editor diffs against what it loaded and sends its version: after a change (the cache
  // invalidated), it waits for the fresh automation rather than start from the stale one.
  if (automation.isPending || (automation.isFetching && !automation.isFetchedAfterMount)) {
    return <p className="page-status">Loading automation…</p>;
  }
  if (automation.error) return <ErrorBanner error={automation.error} />;
  if (!automation.data) return notFound;
  return <EditForm key={id} initial={automation.data} reload={async () => (await automation.refetch()).data ?? null} />;
}

/**
 * An edit is one `automations.save` call: the automation's own fields and its
 * assignments, only what changed, with the version it expects. It applies
 * whole or not at all; after a failure the form keeps the user's values.
 */
function EditForm({ initial, reload }: { initial: AutomationOutput; reload: () => Promise<AutomationOutput | null> }) {
  const trpc = useTRPC();
  const scope = useScope();
  const [, navigate] = useLocation();
  const changed = useAutomationsChanged();
  const canWrite = useCan("automations:write");
  const [base, setBase] = useState(initial);
  const [formKey, setFormKey] = useState(0);
  const [failure, setFailure] = useState<ServerFailure | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);
  const saveAutomation = useMutation(trpc.automations.save.mutationOptions());

  function save({ values, data }: CheckedAutomation) {
    const plan = planAutomationEdit(base, data, values.assignments);
    setFailure(null);
    if (!plan.update && !plan.assignments) {
      setNotice("Nothing changed: there is nothing to save.");
      return;
    }
    setNotice(null);
    saveAutomation.mutate(
      { ...scope, automationId: base.id, expectedVersion: base.version, ...plan.update, ...plan.assignments },
      {
        onSuccess: () => {
          changed();
          navigate("/automations");
        },
        onError: (error) =>
          setFailure({ error, source: { call: "save", addRows: plan.addRows, updateRows: plan.updateRows } }),
      },
    );
  }

  async function reloadForm() {
    const fresh = await reload();
    if (!fresh) return;
    setBase(fresh);
    setFailure(null);
    setNotice(null);
    setFormKey((k) => k + 1);
  }

  const stale = failure?.error.data?.code === "CONFLICT";
  return (
    <>
      <AutomationForm
        key={formKey}
        title={`Billing automation ${base.name}`}
        submitLabel="Save changes"
        automation={base}
        defaults={automationFormDefaults(base)}
        readOnly={!canWrite}
        pending={saveAutomation.isPending}
        failure={failure}
        notice={
          notice || stale ? (
            <div className={stale ? "notice problem" : "notice"} role="status" data-testid="save-notice">
              {notice && <p>{notice}</p>}
              {stale && (
                <p>
                  Someone else changed this automation.{" "}
                  <button type="button" onClick={reloadForm}>
                    Reload it (discards your changes)
                  </button>
                </p>
              )}
            </div>
          ) : null
        }
        onSave={save}
        actions={
          canWrite && (
            <button type="button" className="danger push-right" onClick={() => setDeleting(true)}>
              Delete automation
            </button>
          )
        }
      />
      {/* Who changed the automation, when, and each field's values before and after. */}
      <HistoryTimeline entity={{ entityType: "automation", entityId: base.id }} ignore={["enterpriseId"]} />
      {deleting && (
        <DeleteAutomationDialog
          automation={base}
          onDeleted={() => navigate("/automations")}
          onCancel={() => setDeleting(false)}
        />
      )}
    </>
  );
}
