import { ROUTED_ITEM_TYPE_KEYS } from "@holdfast/domain";
import { type Control, type FieldErrors, type UseFormRegister, useFieldArray } from "react-hook-form";
import { DirectorySelect } from "../components/directory-picker.tsx";
import { Field } from "../components/field.tsx";
import { FieldError } from "../components/field-error.tsx";
import {
  type AutomationFormValues,
  type CheckedAutomation,
  emptyAccountingCategoryRow,
  ID_LIST_LABELS,
  ID_LISTS,
  ROUTED_ITEM_TYPE_LABELS,
} from "../forms/automation-forms.ts";

/**
 * One assignment of the automation form: its service (fixed once stored), the
 * item types it routes, its GUID-list conditions and its accounting categories.
 */
export function AssignmentEditor({
  index: i,
  assignmentId,
  control,
  register,
  errors,
  onRemove,
}: {
  index: number;
  assignmentId: string;
  control: Control<AutomationFormValues, unknown, CheckedAutomation>;
  register: UseFormRegister<AutomationFormValues>;
  errors: FieldErrors<AutomationFormValues>;
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
        label={`Assignment ${n} service`}
        errors={errors}
        {...(assignmentId ? { hint: "An assignment keeps its service: to change it, remove it and add another." } : {})}
      >
        {(a11y) => (
          <DirectorySelect
            kind="service"
            name={`assignments.${i}.serviceId`}
            control={control}
            a11y={a11y}
            disabled={assignmentId !== ""}
          />
        )}
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
                <input
                  {...a11y}
                  className="guid"
                  {...register(`assignments.${i}.accountingCategoryAssignments.${j}.accountingCategoryId`)}
                />
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
