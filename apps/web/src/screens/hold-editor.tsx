import { HOLD_PROCESSES, type HoldOutput } from "@holdfast/domain";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Controller, useFieldArray } from "react-hook-form";
import { Link, useLocation, useSearchParams } from "wouter";
import type { z } from "zod";
import { AccountPicker } from "../components/account-picker.tsx";
import { ErrorBanner } from "../components/error-banner.tsx";
import { Field } from "../components/field.tsx";
import { FieldError } from "../components/field-error.tsx";
import { processLabel, shortLocator } from "../format.ts";
import {
  emptyCharacteristicRow,
  emptyTargetRow,
  type HoldFormValues,
  holdForm,
  holdFormDefaults,
} from "../forms/hold-forms.ts";
import { ServerIssues } from "../forms/server-issues.tsx";
import { useIdempotencyKey } from "../forms/use-idempotency-key.ts";
import { useZodForm } from "../forms/use-zod-form.ts";
import { usePageTitle } from "../page-title.ts";
import { useScope } from "../session.tsx";
import { type ApiError, useTRPC } from "../trpc.ts";
import { useHoldChanged } from "./hold-detail.tsx";

type HoldFormOutput = z.output<typeof holdForm>;

export function CreateHold() {
  usePageTitle("New hold");
  const trpc = useTRPC();
  const scope = useScope();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const idempotencyKey = useIdempotencyKey();
  // `/holds/new?account=<locator>` (an account page's "Place hold") starts with that account chosen.
  const [params] = useSearchParams();
  const account = params.get("account") ?? "";
  const create = useMutation(
    trpc.holds.create.mutationOptions({
      onSuccess: (hold) => {
        queryClient.setQueryData(trpc.holds.get.queryKey({ ...scope, locator: hold.locator }), hold);
        void queryClient.invalidateQueries(trpc.holds.list.pathFilter());
        navigate(`/holds/${hold.locator}`);
      },
    }),
  );
  return (
    <HoldForm
      title="New hold"
      submitLabel="Create hold"
      defaults={{ ...holdFormDefaults(), accountLocator: account }}
      pending={create.isPending}
      error={create.error}
      cancelHref="/holds"
      onSubmit={(values) => create.mutate({ ...scope, ...values, idempotencyKey })}
    />
  );
}

export function EditHold({ locator }: { locator: string }) {
  usePageTitle(`Edit hold ${shortLocator(locator)}`);
  const trpc = useTRPC();
  const scope = useScope();
  const hold = useQuery(trpc.holds.get.queryOptions({ ...scope, locator }));
  if (hold.isPending) return <p className="page-status">Loading hold…</p>;
  if (hold.error) return <ErrorBanner error={hold.error} />;
  if (!hold.data.allowedMoves.includes("update")) {
    return (
      <section>
        <h1>Edit hold</h1>
        <p role="alert" className="alert">
          Only a draft can be edited; this hold is {hold.data.holdState}.{" "}
          {hold.data.allowedMoves.includes("amend") && "An active hold can be amended instead."}
        </p>
        <Link href={`/holds/${locator}`}>Back to the hold</Link>
      </section>
    );
  }
  return <EditDraft hold={hold.data} />;
}

function EditDraft({ hold }: { hold: HoldOutput }) {
  const trpc = useTRPC();
  const scope = useScope();
  const [, navigate] = useLocation();
  const changed = useHoldChanged();
  const update = useMutation(
    trpc.holds.update.mutationOptions({
      onSuccess: (next) => {
        changed(next);
        navigate(`/holds/${next.locator}`);
      },
    }),
  );
  return (
    <HoldForm
      title="Edit draft hold"
      submitLabel="Save changes"
      defaults={holdFormDefaults(hold)}
      pending={update.isPending}
      error={update.error}
      cancelHref={`/holds/${hold.locator}`}
      onSubmit={(values) =>
        update.mutate({ ...scope, ...values, locator: hold.locator, expectedVersion: hold.version })
      }
    />
  );
}

function HoldForm(props: {
  title: string;
  submitLabel: string;
  defaults: HoldFormValues;
  pending: boolean;
  error: ApiError | null;
  cancelHref: string;
  onSubmit: (values: HoldFormOutput) => void;
}) {
  const {
    register,
    control,
    handleSubmit,
    getValues,
    watch,
    formState: { errors },
  } = useZodForm(holdForm, { defaultValues: props.defaults });
  const targets = useFieldArray({ control, name: "targets" });
  const characteristics = useFieldArray({ control, name: "characteristics" });
  const chosen = watch("targets").map((t) => t.process);

  return (
    <section aria-labelledby="form-title">
      <h1 id="form-title">{props.title}</h1>
      <form className="card form" onSubmit={handleSubmit(props.onSubmit)} noValidate>
        <ServerIssues error={props.error} slotFor={(name) => (getValues(name as never) !== undefined ? name : null)}>
          <Field name="accountLocator" label="Account" errors={errors}>
            {(a11y) => (
              <Controller
                control={control}
                name="accountLocator"
                render={({ field }) => (
                  <AccountPicker a11y={a11y} value={field.value} onChange={field.onChange} onBlur={field.onBlur} />
                )}
              />
            )}
          </Field>

          <fieldset className="rows">
            <legend>Targets</legend>
            <p className="hint">Each process at most once. Target dates default to the hold's dates.</p>
            {targets.fields.map((row, i) => (
              <div className="row" key={row.id} data-testid="target-input-row">
                <Field name={`targets.${i}.process`} label={`Target ${i + 1} process`} errors={errors}>
                  {(a11y) => (
                    <select {...a11y} {...register(`targets.${i}.process`)}>
                      {HOLD_PROCESSES.map((p) => (
                        <option key={p} value={p}>
                          {processLabel(p)}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
                <Field name={`targets.${i}.startDate`} label={`Target ${i + 1} start date`} errors={errors}>
                  {(a11y) => <input type="date" {...a11y} {...register(`targets.${i}.startDate`)} />}
                </Field>
                <Field name={`targets.${i}.endDate`} label={`Target ${i + 1} end date`} errors={errors}>
                  {(a11y) => <input type="date" {...a11y} {...register(`targets.${i}.endDate`)} />}
                </Field>
                <button
                  type="button"
                  className="link"
                  onClick={() => targets.remove(i)}
                  disabled={targets.fields.length === 1}
                  aria-label={`Remove target ${i + 1}`}
                >
                  Remove
                </button>
                <FieldError errors={errors} name={`targets.${i}`} />
              </div>
            ))}
            <FieldError errors={errors} name="targets" />
            <button
              type="button"
              onClick={() => {
                const free = HOLD_PROCESSES.find((p) => !chosen.includes(p));
                if (free) targets.append(emptyTargetRow(free));
              }}
              disabled={chosen.length >= HOLD_PROCESSES.length}
            >
              Add target
            </button>
          </fieldset>

          <div className="row">
            <Field name="startDate" label="Hold start date" errors={errors} hint="Empty: from now.">
              {(a11y) => <input type="date" {...a11y} {...register("startDate")} />}
            </Field>
            <Field name="endDate" label="Hold end date" errors={errors} hint="Empty: until released.">
              {(a11y) => <input type="date" {...a11y} {...register("endDate")} />}
            </Field>
          </div>

          <Field name="comments" label="Comments" errors={errors}>
            {(a11y) => <textarea rows={3} {...a11y} {...register("comments")} />}
          </Field>

          <fieldset className="rows">
            <legend>Characteristics</legend>
            {characteristics.fields.length === 0 && <p className="hint">None.</p>}
            {characteristics.fields.map((row, i) => (
              <div className="row" key={row.id}>
                <Field name={`characteristics.${i}.type`} label={`Characteristic ${i + 1} type`} errors={errors}>
                  {(a11y) => <input {...a11y} {...register(`characteristics.${i}.type`)} />}
                </Field>
                <Field name={`characteristics.${i}.value`} label={`Characteristic ${i + 1} value`} errors={errors}>
                  {(a11y) => <input {...a11y} {...register(`characteristics.${i}.value`)} />}
                </Field>
                <Field
                  name={`characteristics.${i}.effectiveDate`}
                  label={`Characteristic ${i + 1} effective date`}
                  errors={errors}
                >
                  {(a11y) => <input type="date" {...a11y} {...register(`characteristics.${i}.effectiveDate`)} />}
                </Field>
                <button
                  type="button"
                  className="link"
                  onClick={() => characteristics.remove(i)}
                  aria-label={`Remove characteristic ${i + 1}`}
                >
                  Remove
                </button>
                <FieldError errors={errors} name={`characteristics.${i}`} />
              </div>
            ))}
            <FieldError errors={errors} name="characteristics" />
            <button type="button" onClick={() => characteristics.append(emptyCharacteristicRow())}>
              Add characteristic
            </button>
          </fieldset>

          <div className="form-actions">
            <button type="submit" className="primary" disabled={props.pending}>
              {props.pending ? "Saving…" : props.submitLabel}
            </button>
            <Link href={props.cancelHref}>Cancel</Link>
          </div>
        </ServerIssues>
      </form>
    </section>
  );
}
