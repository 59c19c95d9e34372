import { DIRECTORY_KINDS, type DirectoryEntry, setDirectoryNameInput } from "@holdfast/domain";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { directoryLabel, useDirectory } from "../components/directory-picker.tsx";
import { ErrorBanner } from "../components/error-banner.tsx";
import { Field } from "../components/field.tsx";
import { ServerIssues } from "../forms/server-issues.tsx";
import { useIdempotencyKey } from "../forms/use-idempotency-key.ts";
import { useZodForm } from "../forms/use-zod-form.ts";
import { usePageTitle } from "../page-title.ts";
import { useScope } from "../session.tsx";
import { useTRPC } from "../trpc.ts";
import { SettingsTabs } from "./settings-tabs.tsx";

const directoryForm = setDirectoryNameInput.pick({ kind: true, id: true, name: true });
const FIELDS = new Set(["kind", "id", "name"]);
const KIND_LABEL = { service: "Service", company: "Company" } as const;

/**
 * The services and companies automations are built from, chosen by name in
 * the automation editor: those the tenant's automations use, and those named
 * here. An admin adds one by its id and name, renames, or removes a name.
 */
export function DirectorySettings() {
  usePageTitle("Directory · Settings");
  const trpc = useTRPC();
  const scope = useScope();
  const queryClient = useQueryClient();
  const directory = useDirectory();
  const [editing, setEditing] = useState<{ entry: Pick<DirectoryEntry, "kind" | "id" | "name"> | null; n: number }>({
    entry: null,
    n: 0,
  });
  const [removing, setRemoving] = useState<DirectoryEntry | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.automations.directory.queryKey() });
  const remove = useMutation(
    trpc.settings.removeDirectoryName.mutationOptions({
      onSuccess: () => {
        setRemoving(null);
        void refresh();
      },
    }),
  );
  const entries = directory.data?.entries ?? [];
  return (
    <section aria-labelledby="directory-title">
      <div className="page-head">
        <h1 id="directory-title">Settings</h1>
      </div>
      <SettingsTabs />
      <p className="hint">
        Services and companies by name, for the automation editor: every id your automations use, and those named here.
        Name a new one by its id (a GUID from your property system).
      </p>
      <DirectoryForm
        key={editing.n}
        entry={editing.entry}
        onSaved={() => {
          setEditing((e) => ({ entry: null, n: e.n + 1 }));
          void refresh();
        }}
      />
      <ErrorBanner error={directory.error} />
      <table className="data-table">
        <caption className="visually-hidden">Known services and companies, named first</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Kind</th>
            <th scope="col">Id</th>
            <th scope="col">Automations</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={`${e.kind}:${e.id}`} data-testid="directory-row">
              <td>{e.name ?? <span className="muted">Unnamed</span>}</td>
              <td>{KIND_LABEL[e.kind]}</td>
              <td className="mono small">{e.id}</td>
              <td className="num">{e.automations}</td>
              <td className="nowrap">
                <button
                  type="button"
                  className="link"
                  aria-label={`${e.name ? "Rename" : "Name"} ${directoryLabel(e)}`}
                  onClick={() => setEditing((s) => ({ entry: e, n: s.n + 1 }))}
                >
                  {e.name ? "Rename" : "Name"}
                </button>
                {e.name && (
                  <>
                    {" "}
                    <button
                      type="button"
                      className="link danger-text"
                      aria-label={`Remove the name ${e.name}`}
                      onClick={() => setRemoving(e)}
                    >
                      Remove name
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {directory.data && entries.length === 0 && <p className="page-status">No services or companies yet.</p>}
      {directory.data?.truncated && <p className="hint">Only the first {entries.length} are shown.</p>}
      {removing && (
        <ConfirmDialog
          title={`Remove the name “${removing.name}”?`}
          confirmLabel="Remove name"
          pendingLabel="Removing…"
          pending={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate({ ...scope, kind: removing.kind, id: removing.id })}
          onCancel={() => {
            remove.reset();
            setRemoving(null);
          }}
        >
          <p>
            {removing.automations > 0
              ? `${removing.automations} automation(s) use it: it stays in the pickers, shown by its id.`
              : "No automation uses it: it leaves the pickers."}
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function DirectoryForm({
  entry,
  onSaved,
}: {
  entry: Pick<DirectoryEntry, "kind" | "id" | "name"> | null;
  onSaved: () => void;
}) {
  const trpc = useTRPC();
  const scope = useScope();
  const idempotencyKey = useIdempotencyKey();
  const {
    register,
    handleSubmit,
    formState: { errors },
  } = useZodForm(directoryForm, {
    defaultValues: { kind: entry?.kind ?? "company", id: entry?.id ?? "", name: entry?.name ?? "" },
  });
  const save = useMutation(trpc.settings.setDirectoryName.mutationOptions({ onSuccess: onSaved }));
  return (
    <form
      className="card form"
      aria-label={entry ? `Name ${directoryLabel(entry)}` : "Name a service or company"}
      noValidate
      onSubmit={handleSubmit((values) => save.mutate({ ...scope, ...values, idempotencyKey }))}
    >
      <ServerIssues error={save.error} slotFor={(name) => (FIELDS.has(name) ? name : null)}>
        <div className="row">
          <Field name="kind" label="Kind" errors={errors}>
            {(a11y) =>
              // A name keeps its kind and id: renaming changes the name only.
              entry ? (
                <input {...a11y} readOnly value={KIND_LABEL[entry.kind]} />
              ) : (
                <select {...a11y} {...register("kind")}>
                  {DIRECTORY_KINDS.map((k) => (
                    <option key={k} value={k}>
                      {KIND_LABEL[k]}
                    </option>
                  ))}
                </select>
              )
            }
          </Field>
          <Field name="id" label="Id" errors={errors}>
            {(a11y) => <input {...a11y} className="guid" readOnly={entry !== null} {...register("id")} />}
          </Field>
          <Field name="name" label="Name" errors={errors}>
            {(a11y) => <input {...a11y} autoComplete="off" {...register("name")} />}
          </Field>
        </div>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={save.isPending}>
            {save.isPending ? "Saving…" : entry ? "Save name" : "Add to directory"}
          </button>
        </div>
      </ServerIssues>
    </form>
  );
}
