import {
  ASSIGNMENT_TARGET_TYPES,
  AUTOMATION_LIMITS,
  type AutomationOutput,
  BILL_AGGREGATION_TYPES,
  CONSUMPTION_PERIODS,
  PREPAYMENT_TYPES,
  ROUTED_ITEM_TYPE_KEYS,
  TRIGGER_TYPES,
} from "@holdfast/domain";
import { useMutation } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import {
  type Control,
  type FieldErrors,
  type FieldPath,
  get,
  set,
  type UseFormRegister,
  useFieldArray,
  useForm,
} from "react-hook-form";
import { Link, useLocation } from "wouter";
import { GUID_RE, useAutomation, useAutomationsChanged } from "../automations.ts";
import { ErrorBanner } from "../components/error-banner.tsx";
import { Field } from "../components/field.tsx";
import { FieldError } from "../components/field-error.tsx";
import { HistoryTimeline } from "../components/history-timeline.tsx";
import {
  type AutomationFormValues,
  type AutomationInputData,
  type AutomationInputValues,
  automationFormDefaults,
  checkAutomationForm,
  emptyAccountingCategoryRow,
  emptyAssignmentRow,
  emptyCompanyRow,
  type FormIssue,
  formSlot,
  ID_LIST_LABELS,
  ID_LISTS,
  type IssueSource,
  messagesByName,
  planAutomationEdit,
  ROUTED_ITEM_TYPE_LABELS,
  serverIssueName,
  shownIssues,
} from "../forms/automation-forms.ts";
import { ServerIssues } from "../forms/server-issues.tsx";
import { useCan, useScope } from "../session.tsx";
import { type ApiError, isApiError, useTRPC } from "../trpc.ts";
import { randomUuid } from "../uuid.ts";
import { DeleteAutomationDialog } from "./delete-automation.tsx";
import "../automations.css";

type Name = FieldPath<AutomationFormValues>;

/** A key per form instance: a double submit or a retry after a lost answer creates one automation, not two. */
function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

interface ServerFailure {
  error: ApiError;
  source: IssueSource;
}

export function CreateAutomation() {
  const trpc = useTRPC();
  const scope = useScope();
  const [, navigate] = useLocation();
  const changed = useAutomationsChanged();
  const canWrite = useCan("automations:write");
  const [idempotencyKey] = useState(newIdempotencyKey);
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
      onSave={(_values, _data, input) => add.mutate({ ...scope, idempotencyKey, automations: [input] })}
    />
  );
}

export function EditAutomation({ id }: { id: string }) {
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
 * An edit is two calls: `update` for the automation's own fields, then
 * `updateAssignments` for its assignments, each sending only what changed and
 * the version it expects. When the first applies and the second fails, the
 * form keeps the user's values and diffs against what was saved.
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
  const update = useMutation(trpc.automations.update.mutationOptions());
  const updateAssignments = useMutation(trpc.automations.updateAssignments.mutationOptions());

  async function save(values: AutomationFormValues, data: AutomationInputData) {
    const plan = planAutomationEdit(base, data, values.assignments);
    setFailure(null);
    if (!plan.update && !plan.assignments) {
      setNotice("Nothing changed: there is nothing to save.");
      return;
    }
    setNotice(null);
    let current = base;
    let source: IssueSource = { call: "update" };
    try {
      if (plan.update) {
        const saved = await update.mutateAsync({
          ...scope,
          updates: [{ automationId: base.id, expectedVersion: current.version, ...plan.update }],
        });
        current = saved.automations[0] ?? current;
        setBase(current);
      }
      if (plan.assignments) {
        source = { call: "updateAssignments", addRows: plan.addRows, updateRows: plan.updateRows };
        current = await updateAssignments.mutateAsync({
          ...scope,
          automationId: base.id,
          expectedVersion: current.version,
          ...plan.assignments,
        });
        setBase(current);
      }
      changed();
      navigate("/automations");
    } catch (e) {
      if (!isApiError(e)) throw e;
      setFailure({ error: e, source });
      if (current !== base) {
        changed();
        setNotice("Its own fields were saved; its assignment changes were not.");
      }
    }
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
        pending={update.isPending || updateAssignments.isPending}
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
      {/* Who changed the automation, when, and which fields. */}
      <HistoryTimeline
        entity={{ entityType: "automation", entityId: base.id }}
        transition={(e) => (
          <span className="transition muted">{changedFields(e.before, e.after).join(", ") || "—"}</span>
        )}
      />
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

/** The shown issues as react-hook-form errors, so <Field> and <FieldError> show them beside their fields. */
function toFieldErrors(issues: readonly FormIssue[]): FieldErrors<AutomationFormValues> {
  const out: FieldErrors<AutomationFormValues> = {};
  for (const [name, message] of messagesByName(issues)) {
    const node: unknown = get(out, name);
    if (node && typeof node === "object") (node as { message?: string; type?: string }).message = message;
    else set(out, name, { type: "custom", message });
  }
  return out;
}

function anyTrue(node: unknown): boolean {
  if (node === true) return true;
  if (node && typeof node === "object") return Object.values(node).some(anyTrue);
  return false;
}

function AutomationForm(props: {
  title: string;
  submitLabel: string;
  /** The stored automation when editing. */
  automation?: AutomationOutput;
  defaults: AutomationFormValues;
  readOnly: boolean;
  pending: boolean;
  failure: ServerFailure | null;
  notice?: ReactNode;
  actions?: ReactNode;
  onSave: (values: AutomationFormValues, data: AutomationInputData, input: AutomationInputValues) => void;
}) {
  const editing = props.automation !== undefined;
  const { register, control, handleSubmit, watch, setValue, formState } = useForm<AutomationFormValues>({
    defaultValues: props.defaults,
    mode: "onChange",
  });
  const companies = useFieldArray({ control, name: "companies" });
  const assignments = useFieldArray({ control, name: "assignments" });
  const [blocked, setBlocked] = useState(false);

  // Every change is checked at once with the server's own schema and rules.
  const values = watch();
  const checked = checkAutomationForm(values);
  const { submitCount, touchedFields, isDirty } = formState;
  const visible = shownIssues(checked.issues, {
    submitted: submitCount > 0,
    dirty: isDirty,
    touched: (name) => anyTrue(get(touchedFields, name)),
  });
  const placed = visible.map((i) => ({ ...i, slot: formSlot(i.name, values) }));
  const errors = toFieldErrors(placed.flatMap((i) => (i.slot ? [{ ...i, name: i.slot }] : [])));
  const unplaced = placed.filter((i) => !i.slot);
  const recurring = values.triggerType === "Recurring";

  const failure = props.failure;
  function serverSlot(name: string): string | null {
    const mapped = failure ? serverIssueName(name, failure.source) : null;
    return mapped ? formSlot(mapped, values) : null;
  }

  function submit(formValues: AutomationFormValues) {
    const result = checkAutomationForm(formValues);
    if (!result.data) {
      setBlocked(true);
      // After this render shows every issue, take the user to the first.
      requestAnimationFrame(() =>
        document.querySelector<HTMLElement>('.automation-form [aria-invalid="true"]')?.focus(),
      );
      return;
    }
    setBlocked(false);
    props.onSave(formValues, result.data, result.input);
  }

  const generate = (name: Name) => () =>
    setValue(name, randomUuid() as never, { shouldDirty: true, shouldTouch: true, shouldValidate: true });

  return (
    <section aria-labelledby="form-title">
      <p className="crumbs">
        <Link href="/automations">Billing automations</Link> /
      </p>
      <h1 id="form-title">{props.title}</h1>
      <form className="card form automation-form" onSubmit={handleSubmit(submit)} noValidate>
        <ServerIssues error={failure?.error ?? null} slotFor={serverSlot}>
          {props.notice}
          {blocked && checked.issues.length > 0 && (
            <div role="alert" className="alert" data-testid="form-problems">
              <p>
                Not saved: {checked.issues.length === 1 ? "one problem is" : `${checked.issues.length} problems are`}{" "}
                marked below.
              </p>
              {unplaced.length > 0 && (
                <ul>
                  {unplaced.map((i) => (
                    <li key={`${i.name}:${i.message}`}>
                      <code>{i.name}</code> {i.message}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
          {props.readOnly && <p className="notice">You may read this tenant's automations but not change them.</p>}
          <fieldset className="bare" disabled={props.readOnly}>
            <Field name="name" label="Name" errors={errors}>
              {(a11y) => <input {...a11y} maxLength={AUTOMATION_LIMITS.nameLength} {...register("name")} />}
            </Field>
            <Field name="description" label="Description" errors={errors}>
              {(a11y) => <textarea rows={2} {...a11y} {...register("description")} />}
            </Field>

            <div className="row selects">
              <Field name="prepayment" label="Prepayment" errors={errors}>
                {(a11y) => (
                  <select {...a11y} {...register("prepayment")}>
                    {PREPAYMENT_TYPES.map((p) => (
                      <option key={p} value={p}>
                        {p}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field name="assignmentTargetType" label="Assignment target type" errors={errors}>
                {(a11y) => (
                  <select {...a11y} {...register("assignmentTargetType")}>
                    {ASSIGNMENT_TARGET_TYPES.map((t) => (
                      <option key={t} value={t}>
                        {t}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field name="billAggregationType" label="Bill aggregation type" errors={errors}>
                {(a11y) => (
                  <select {...a11y} {...register("billAggregationType")}>
                    {BILL_AGGREGATION_TYPES.map((t) => (
                      <option key={t} value={t}>
                        {t}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field
                name="triggerType"
                label="Trigger type"
                errors={errors}
                {...(editing ? { hint: "Fixed once the automation is created." } : {})}
              >
                {(a11y) =>
                  editing ? (
                    <select {...a11y} defaultValue={values.triggerType} disabled>
                      <option value={values.triggerType}>{values.triggerType}</option>
                    </select>
                  ) : (
                    <select {...a11y} {...register("triggerType")}>
                      {TRIGGER_TYPES.map((t) => (
                        <option key={t} value={t}>
                          {t}
                        </option>
                      ))}
                    </select>
                  )
                }
              </Field>
            </div>
            <p className="hint rules-hint">
              NoCompany needs AggregateByCustomer; any other aggregation needs CompanyAsOwner.
            </p>

            {recurring && (
              <div className="row selects">
                <Field
                  name="processingStartOffset"
                  label="Processing start offset"
                  errors={errors}
                  hint="An ISO 8601 duration, e.g. P1D or P0M5DT2H."
                >
                  {(a11y) => (
                    <input
                      {...a11y}
                      maxLength={AUTOMATION_LIMITS.processingStartOffsetLength}
                      {...register("processingStartOffset")}
                    />
                  )}
                </Field>
                <Field name="orderItemConsumptionPeriod" label="Order item consumption period" errors={errors}>
                  {(a11y) => (
                    <select {...a11y} {...register("orderItemConsumptionPeriod")}>
                      <option value="">Choose a period…</option>
                      {CONSUMPTION_PERIODS.map((p) => (
                        <option key={p} value={p}>
                          {p}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
              </div>
            )}

            <fieldset className="rows" data-field="companies">
              <legend>Companies</legend>
              <p className="hint">
                Reservations of these companies, in the relations ticked, are routed. None: every reservation (only with
                CompanyAsDetails or NoCompany).
              </p>
              {companies.fields.map((row, i) => (
                <div className="row" key={row.id} data-testid="company-row">
                  <Field name={`companies.${i}.companyId`} label={`Company ${i + 1} id`} errors={errors}>
                    {(a11y) => (
                      <span className="with-action">
                        <input {...a11y} className="guid" {...register(`companies.${i}.companyId`)} />
                        <GenerateButton label={`Company ${i + 1} id`} onClick={generate(`companies.${i}.companyId`)} />
                      </span>
                    )}
                  </Field>
                  <fieldset className="checks" data-field={`companies.${i}.relations`}>
                    <legend>Company {i + 1} relations</legend>
                    <label className="check">
                      <input type="checkbox" {...register(`companies.${i}.relations.partnerCompany`)} />
                      Partner company
                    </label>
                    <label className="check">
                      <input type="checkbox" {...register(`companies.${i}.relations.travelAgency`)} />
                      Travel agency
                    </label>
                    <FieldError errors={errors} name={`companies.${i}.relations`} />
                  </fieldset>
                  <button
                    type="button"
                    className="link"
                    onClick={() => companies.remove(i)}
                    aria-label={`Remove company ${i + 1}`}
                  >
                    Remove
                  </button>
                  <FieldError errors={errors} name={`companies.${i}`} />
                </div>
              ))}
              <FieldError errors={errors} name="companies" />
              <button type="button" onClick={() => companies.append(emptyCompanyRow())}>
                Add company
              </button>
            </fieldset>

            <fieldset className="rows" data-field="assignments">
              <legend>
                Assignments ({assignments.fields.length} of {AUTOMATION_LIMITS.assignments})
              </legend>
              {assignments.fields.map((row, i) => (
                <AssignmentEditor
                  key={row.id}
                  index={i}
                  assignmentId={values.assignments[i]?.assignmentId ?? ""}
                  control={control}
                  register={register}
                  errors={errors}
                  generate={generate}
                  onRemove={() => assignments.remove(i)}
                />
              ))}
              <FieldError errors={errors} name="assignments" />
              <button
                type="button"
                onClick={() => assignments.append(emptyAssignmentRow())}
                disabled={assignments.fields.length >= AUTOMATION_LIMITS.assignments}
              >
                Add assignment
              </button>
            </fieldset>
          </fieldset>

          <div className="form-actions">
            {!props.readOnly && (
              <button type="submit" className="primary" disabled={props.pending}>
                {props.pending ? "Saving…" : props.submitLabel}
              </button>
            )}
            <Link href="/automations">{props.readOnly ? "Back" : "Cancel"}</Link>
            {props.actions}
          </div>
        </ServerIssues>
      </form>
    </section>
  );
}

function GenerateButton({ label, onClick }: { label: string; onClick: () => void }) {
  return (
    <button
      type="button"
      className="small"
      onClick={onClick}
      aria-label={`Generate ${label}`}
      title="Fill a random UUID"
    >
      Generate
    </button>
  );
}

function AssignmentEditor({
  index: i,
  assignmentId,
  control,
  register,
  errors,
  generate,
  onRemove,
}: {
  index: number;
  assignmentId: string;
  control: Control<AutomationFormValues>;
  register: UseFormRegister<AutomationFormValues>;
  errors: FieldErrors<AutomationFormValues>;
  generate: (name: Name) => () => void;
  onRemove: () => void;
}) {
  const categories = useFieldArray({ control, name: `assignments.${i}.accountingCategoryAssignments` });
  const n = i + 1;
  return (
    <div className="assignment" data-testid="assignment-row">
      <div className="assignment-head">
        <h3>Assignment {n}</h3>
        {assignmentId ? (
          <span className="mono muted small" data-testid="assignment-id" title="Assignment id">
            {assignmentId}
          </span>
        ) : (
          <span className="badge state-validated">new</span>
        )}
        <button type="button" className="link push-right" onClick={onRemove} aria-label={`Remove assignment ${n}`}>
          Remove
        </button>
      </div>
      <Field
        name={`assignments.${i}.serviceId`}
        label={`Assignment ${n} service id`}
        errors={errors}
        {...(assignmentId ? { hint: "An assignment keeps its service: to change it, remove it and add another." } : {})}
      >
        {(a11y) =>
          assignmentId ? (
            <input {...a11y} className="guid" readOnly {...register(`assignments.${i}.serviceId`)} />
          ) : (
            <span className="with-action">
              <input {...a11y} className="guid" {...register(`assignments.${i}.serviceId`)} />
              <GenerateButton label={`assignment ${n} service id`} onClick={generate(`assignments.${i}.serviceId`)} />
            </span>
          )
        }
      </Field>
      <fieldset className="checks" data-field={`assignments.${i}.routedItemTypes`}>
        <legend>Assignment {n} routed item types</legend>
        {ROUTED_ITEM_TYPE_KEYS.map((k) => (
          <label key={k} className="check">
            <input type="checkbox" {...register(`assignments.${i}.routedItemTypes.${k}`)} />
            {ROUTED_ITEM_TYPE_LABELS[k]}
          </label>
        ))}
        <FieldError errors={errors} name={`assignments.${i}.routedItemTypes`} />
      </fieldset>
      <div className="row id-lists">
        {ID_LISTS.map((list) => (
          <Field
            key={list}
            name={`assignments.${i}.${list}`}
            label={`Assignment ${n} ${ID_LIST_LABELS[list]}`}
            errors={errors}
          >
            {(a11y) => (
              <textarea
                rows={2}
                className="mono"
                placeholder="GUIDs, one per line or comma-separated"
                {...a11y}
                {...register(`assignments.${i}.${list}`)}
              />
            )}
          </Field>
        ))}
      </div>
      <fieldset className="rows nested" data-field={`assignments.${i}.accountingCategoryAssignments`}>
        <legend>Assignment {n} accounting categories</legend>
        {categories.fields.map((row, j) => (
          <div className="row" key={row.id} data-testid="accounting-category-row">
            <Field
              name={`assignments.${i}.accountingCategoryAssignments.${j}.accountingCategoryId`}
              label={`Assignment ${n} accounting category ${j + 1} id`}
              errors={errors}
            >
              {(a11y) => (
                <span className="with-action">
                  <input
                    {...a11y}
                    className="guid"
                    {...register(`assignments.${i}.accountingCategoryAssignments.${j}.accountingCategoryId`)}
                  />
                  <GenerateButton
                    label={`assignment ${n} accounting category ${j + 1} id`}
                    onClick={generate(`assignments.${i}.accountingCategoryAssignments.${j}.accountingCategoryId`)}
                  />
                </span>
              )}
            </Field>
            <fieldset className="checks">
              <legend>Accounting category {j + 1} item types</legend>
              <label className="check">
                <input
                  type="checkbox"
                  {...register(`assignments.${i}.accountingCategoryAssignments.${j}.itemTypes.products`)}
                />
                Products
              </label>
              <label className="check">
                <input
                  type="checkbox"
                  {...register(`assignments.${i}.accountingCategoryAssignments.${j}.itemTypes.customItems`)}
                />
                Custom items
              </label>
              <FieldError errors={errors} name={`assignments.${i}.accountingCategoryAssignments.${j}.itemTypes`} />
            </fieldset>
            <button
              type="button"
              className="link"
              onClick={() => categories.remove(j)}
              aria-label={`Remove assignment ${n} accounting category ${j + 1}`}
            >
              Remove
            </button>
            <FieldError errors={errors} name={`assignments.${i}.accountingCategoryAssignments.${j}`} />
          </div>
        ))}
        <FieldError errors={errors} name={`assignments.${i}.accountingCategoryAssignments`} />
        <button type="button" className="small" onClick={() => categories.append(emptyAccountingCategoryRow())}>
          Add accounting category
        </button>
      </fieldset>
      <FieldError errors={errors} name={`assignments.${i}`} />
    </div>
  );
}

const BOOKKEEPING = new Set(["version", "updatedUtc", "createdUtc", "id", "enterpriseId"]);

function changedFields(before: unknown, after: unknown): string[] {
  if (!before || !after || typeof before !== "object" || typeof after !== "object") return [];
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  return Object.keys(a).filter((k) => !BOOKKEEPING.has(k) && JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}
