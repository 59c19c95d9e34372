import type { HoldOutput } from "@holdfast/domain";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useFieldArray } from "react-hook-form";
import { Link, useLocation } from "wouter";
import { ErrorBanner } from "../components/error-banner.tsx";
import { Field } from "../components/field.tsx";
import { FieldError } from "../components/field-error.tsx";
import { formatDate, processLabel, shortLocator } from "../format.ts";
import { amendForm, amendFormDefaults, freeProcesses } from "../forms/hold-forms.ts";
import { ServerIssues } from "../forms/server-issues.tsx";
import { useZodForm } from "../forms/use-zod-form.ts";
import { usePageTitle } from "../page-title.ts";
import { useScope } from "../session.tsx";
import { useTRPC } from "../trpc.ts";
import { useHoldChanged } from "./hold-detail.tsx";

export function AmendHold({ locator }: { locator: string }) {
  usePageTitle(`Amend hold ${shortLocator(locator)}`);
  const trpc = useTRPC();
  const scope = useScope();
  const hold = useQuery(trpc.holds.get.queryOptions({ ...scope, locator }));
  if (hold.isPending) return <p className="page-status">Loading hold…</p>;
  if (hold.error) return <ErrorBanner error={hold.error} />;
  if (!hold.data.allowedMoves.includes("amend")) {
    return (
      <section>
        <h1>Amend hold</h1>
        <p role="alert" className="alert">
          The hold request is not in the active status (it is {hold.data.holdState}).
        </p>
        <Link href={`/holds/${locator}`}>Back to the hold</Link>
      </section>
    );
  }
  return <AmendForm key={hold.data.version} hold={hold.data} />;
}

/** The ORMB update of an active hold: end dates, an added target, comments, characteristic changes. */
function AmendForm({ hold }: { hold: HoldOutput }) {
  const trpc = useTRPC();
  const scope = useScope();
  const [, navigate] = useLocation();
  const changed = useHoldChanged();
  const schema = useMemo(() => amendForm(hold), [hold]);
  const {
    register,
    control,
    handleSubmit,
    getValues,
    watch,
    formState: { errors },
  } = useZodForm(schema, { defaultValues: amendFormDefaults(hold) });
  const targets = useFieldArray({ control, name: "targets" });
  const characteristics = useFieldArray({ control, name: "characteristics" });
  const free = freeProcesses(watch("targets").map((t) => t.process));
  /** Fields an existing target or a Delete change does not show report on their row. */
  function slotFor(name: string): string | null {
    const [list, index, field] = name.split(".");
    if (getValues(name as never) === undefined) return null;
    if (list === "targets" && index !== undefined && field && field !== "endDate") {
      return getValues(`targets.${Number(index)}.existing`) ? `targets.${index}` : name;
    }
    if (list === "characteristics" && index !== undefined && (field === "value" || field === "effectiveDate")) {
      return getValues(`characteristics.${Number(index)}.action`) === "Delete" ? `characteristics.${index}` : name;
    }
    return name;
  }
  const amend = useMutation(
    trpc.holds.amend.mutationOptions({
      onSuccess: (next) => {
        changed(next);
        navigate(`/holds/${next.locator}`);
      },
    }),
  );

  return (
    <section aria-labelledby="form-title">
      <h1 id="form-title">
        Amend hold <span className="mono">{hold.locator}</span>
      </h1>
      <form className="card form" onSubmit={handleSubmit((input) => amend.mutate({ ...scope, ...input }))} noValidate>
        <ServerIssues error={amend.error} slotFor={slotFor}>
          <p className="hint">
            Active {hold.schedule === "scheduled" ? "from" : "since"} {formatDate(hold.startDate, "its activation")}.
            Only what you change is sent.
          </p>
          <Field name="endDate" label="Hold end date" errors={errors} hint="Empty: until released.">
            {(a11y) => <input type="date" {...a11y} {...register("endDate")} />}
          </Field>

          <fieldset className="rows">
            <legend>Targets</legend>
            {targets.fields.map((row, i) => (
              <div className="row" key={row.id} data-testid="target-input-row">
                {row.existing ? (
                  <div className="field">
                    <span className="label">Target {i + 1}</span>
                    <span className="static">
                      {processLabel(row.process)}, from {formatDate(row.startDate || null, "the hold's start")}
                    </span>
                  </div>
                ) : (
                  <Field name={`targets.${i}.process`} label={`Target ${i + 1} process`} errors={errors}>
                    {(a11y) => (
                      <select {...a11y} {...register(`targets.${i}.process`)}>
                        {[row.process, ...free.filter((p) => p !== row.process)].map((p) => (
                          <option key={p} value={p}>
                            {processLabel(p)}
                          </option>
                        ))}
                      </select>
                    )}
                  </Field>
                )}
                {!row.existing && (
                  <Field name={`targets.${i}.startDate`} label={`Target ${i + 1} start date`} errors={errors}>
                    {(a11y) => <input type="date" {...a11y} {...register(`targets.${i}.startDate`)} />}
                  </Field>
                )}
                <Field name={`targets.${i}.endDate`} label={`Target ${i + 1} end date`} errors={errors}>
                  {(a11y) => <input type="date" {...a11y} {...register(`targets.${i}.endDate`)} />}
                </Field>
                {!row.existing && (
                  <button
                    type="button"
                    className="link"
                    onClick={() => targets.remove(i)}
                    aria-label={`Remove target ${i + 1}`}
                  >
                    Remove
                  </button>
                )}
                <FieldError errors={errors} name={`targets.${i}`} />
              </div>
            ))}
            <FieldError errors={errors} name="targets" />
            {free[0] && (
              <button
                type="button"
                onClick={() =>
                  free[0] && targets.append({ process: free[0], existing: false, startDate: "", endDate: "" })
                }
              >
                Add target
              </button>
            )}
          </fieldset>

          <Field name="comments" label="Comments" errors={errors}>
            {(a11y) => <textarea rows={3} {...a11y} {...register("comments")} />}
          </Field>

          <fieldset className="rows">
            <legend>Characteristic changes</legend>
            <p className="hint">
              {hold.characteristics.length
                ? `Now: ${hold.characteristics.map((c) => `${c.type} = ${c.value}`).join("; ")}.`
                : "The hold has none yet."}{" "}
              Update adds or replaces one by type; Delete removes it.
            </p>
            {characteristics.fields.map((row, i) => (
              <div className="row" key={row.id}>
                <Field name={`characteristics.${i}.action`} label={`Change ${i + 1} action`} errors={errors}>
                  {(a11y) => (
                    <select {...a11y} {...register(`characteristics.${i}.action`)}>
                      <option value="Update">Update</option>
                      <option value="Delete">Delete</option>
                    </select>
                  )}
                </Field>
                <Field name={`characteristics.${i}.type`} label={`Change ${i + 1} type`} errors={errors}>
                  {(a11y) => <input {...a11y} list="characteristic-types" {...register(`characteristics.${i}.type`)} />}
                </Field>
                {watch(`characteristics.${i}.action`) === "Update" && (
                  <>
                    <Field name={`characteristics.${i}.value`} label={`Change ${i + 1} value`} errors={errors}>
                      {(a11y) => <input {...a11y} {...register(`characteristics.${i}.value`)} />}
                    </Field>
                    <Field
                      name={`characteristics.${i}.effectiveDate`}
                      label={`Change ${i + 1} effective date`}
                      errors={errors}
                    >
                      {(a11y) => <input type="date" {...a11y} {...register(`characteristics.${i}.effectiveDate`)} />}
                    </Field>
                  </>
                )}
                <button
                  type="button"
                  className="link"
                  onClick={() => characteristics.remove(i)}
                  aria-label={`Remove change ${i + 1}`}
                >
                  Remove
                </button>
                <FieldError errors={errors} name={`characteristics.${i}`} />
              </div>
            ))}
            <datalist id="characteristic-types">
              {hold.characteristics.map((c) => (
                <option key={c.type} value={c.type} />
              ))}
            </datalist>
            <FieldError errors={errors} name="characteristics" />
            <button
              type="button"
              onClick={() => characteristics.append({ action: "Update", type: "", value: "", effectiveDate: "" })}
            >
              Add characteristic change
            </button>
          </fieldset>

          <div className="form-actions">
            <button type="submit" className="primary" disabled={amend.isPending}>
              {amend.isPending ? "Amending…" : "Amend hold"}
            </button>
            <Link href={`/holds/${hold.locator}`}>Cancel</Link>
          </div>
        </ServerIssues>
      </form>
    </section>
  );
}
