import {
  ASSIGNMENT_TARGET_TYPES,
  AUTOMATION_LIMITS,
  type AutomationOutput,
  BILL_AGGREGATION_TYPES,
  CONSUMPTION_PERIODS,
  PREPAYMENT_TYPES,
  TRIGGER_TYPES,
} from "@holdfast/domain";
import { type ReactNode, useEffect, useState } from "react";
import { type FieldErrors, get, set, useFieldArray } from "react-hook-form";
import { Link } from "wouter";
import { DirectorySelect } from "../components/directory-picker.tsx";
import { Field } from "../components/field.tsx";
import { FieldError } from "../components/field-error.tsx";
import { type IssueSource, serverIssueName } from "../forms/automation-edit.ts";
import {
  type AutomationFormValues,
  automationForm,
  type CheckedAutomation,
  emptyAssignmentRow,
  emptyCompanyRow,
  formSlot,
  messagesByName,
  type ReportedIssue,
  reportedIssues,
  shownIssues,
} from "../forms/automation-forms.ts";
import { ServerIssues } from "../forms/server-issues.tsx";
import { useZodForm } from "../forms/use-zod-form.ts";
import type { ApiError } from "../trpc.ts";
import { AssignmentEditor } from "./assignment-editor.tsx";
import "../automations.css";

/** The shown issues as react-hook-form errors, so <Field> and <FieldError> show them beside their fields. */
function toFieldErrors(issues: readonly Pick<ReportedIssue, "name" | "message">[]): FieldErrors<AutomationFormValues> {
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

/** Where the last save failed, for its issues to show beside the fields. */
export interface ServerFailure {
  error: ApiError;
  source: IssueSource;
}

/**
 * The automation's own fields, its companies and its assignments, checked as
 * the user types by the form's schema (`automationForm`: the server's schema
 * and rules). A field's own issue shows once the user left it, a rule as soon
 * as a change causes it, and everything after a submit.
 */
export function AutomationForm(props: {
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
  onSave: (automation: CheckedAutomation) => void;
}) {
  const editing = props.automation !== undefined;
  const { register, control, handleSubmit, watch, trigger, formState } = useZodForm(automationForm, {
    defaultValues: props.defaults,
    // The form checks itself on every change (below); every message of a field is kept.
    mode: "onSubmit",
    reValidateMode: "onSubmit",
    criteriaMode: "all",
    shouldFocusError: false,
  });
  const companies = useFieldArray({ control, name: "companies" });
  const assignments = useFieldArray({ control, name: "assignments" });
  const [blocked, setBlocked] = useState(false);

  // A change to one field can break or satisfy a rule on another: each change checks the whole form.
  useEffect(() => {
    void trigger();
    const { unsubscribe } = watch(() => void trigger());
    return unsubscribe;
  }, [watch, trigger]);

  const values = watch();
  const issues = reportedIssues(formState.errors);
  const { submitCount, touchedFields, isDirty } = formState;
  const visible = shownIssues(issues, {
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

  function refused() {
    setBlocked(true);
    // After this render shows every issue, take the user to the first.
    requestAnimationFrame(() => document.querySelector<HTMLElement>('.automation-form [aria-invalid="true"]')?.focus());
  }

  function save(automation: CheckedAutomation) {
    setBlocked(false);
    props.onSave(automation);
  }

  return (
    <section aria-labelledby="form-title">
      <p className="crumbs">
        <Link href="/automations">Billing automations</Link> /
      </p>
      <h1 id="form-title">{props.title}</h1>
      <form className="card form automation-form" onSubmit={handleSubmit(save, refused)} noValidate>
        <ServerIssues error={failure?.error ?? null} slotFor={serverSlot}>
          {props.notice}
          {blocked && issues.length > 0 && (
            <div role="alert" className="alert" data-testid="form-problems">
              <p>Not saved: {issues.length === 1 ? "one problem is" : `${issues.length} problems are`} marked below.</p>
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
                  <Field name={`companies.${i}.companyId`} label={`Company ${i + 1}`} errors={errors}>
                    {(a11y) => (
                      <DirectorySelect kind="company" name={`companies.${i}.companyId`} control={control} a11y={a11y} />
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
