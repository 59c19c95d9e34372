import { BILLING_PERIOD_NAMES, PAYMENT_MODELS } from "@holdfast/domain";
import { useMutation } from "@tanstack/react-query";
import { Controller } from "react-hook-form";
import { Link, useLocation } from "wouter";
import { AccountPicker } from "../components/account-picker.tsx";
import { Field } from "../components/field.tsx";
import { ServerIssues } from "../forms/server-issues.tsx";
import {
  BILLING_PERIOD_LABELS,
  CURRENCIES,
  PAYMENT_MODEL_LABELS,
  subscriptionFieldFor,
  subscriptionForm,
  subscriptionFormDefaults,
} from "../forms/subscription-forms.ts";
import { useIdempotencyKey } from "../forms/use-idempotency-key.ts";
import { useZodForm } from "../forms/use-zod-form.ts";
import { formatMoney, parseMajorUnits } from "../money.ts";
import { useCan, useScope } from "../session.tsx";
import { useSubscriptionChanged } from "../subscriptions.ts";
import { useTRPC } from "../trpc.ts";
import "../subscriptions.css";
import { usePageTitle } from "../page-title.ts";

const FIELDS = new Set(Object.keys(subscriptionFormDefaults()));

/** A new subscription, in draft: activate it from its page once it is right. */
export function CreateSubscription() {
  usePageTitle("New subscription");
  const trpc = useTRPC();
  const scope = useScope();
  const canWrite = useCan("subscriptions:write");
  const changed = useSubscriptionChanged();
  const [, navigate] = useLocation();
  const idempotencyKey = useIdempotencyKey();
  const create = useMutation(
    trpc.subscriptions.create.mutationOptions({
      onSuccess: (sub) => {
        changed(sub.locator, sub);
        navigate(`/subscriptions/${sub.locator}`);
      },
    }),
  );
  const {
    register,
    control,
    handleSubmit,
    watch,
    formState: { errors },
  } = useZodForm(subscriptionForm, { defaultValues: subscriptionFormDefaults() });
  const currency = watch("currency").trim().toUpperCase();
  const price = parseMajorUnits(watch("price"), currency);

  if (!canWrite) {
    return (
      <section>
        <h1>New subscription</h1>
        <p role="alert" className="alert">
          You may read this tenant's subscriptions but not create them.
        </p>
        <Link href="/subscriptions">Back to the subscriptions</Link>
      </section>
    );
  }

  return (
    <section aria-labelledby="form-title">
      <p className="crumbs">
        <Link href="/subscriptions">Subscriptions</Link> /
      </p>
      <h1 id="form-title">New subscription</h1>
      <form
        className="card form"
        onSubmit={handleSubmit((input) => create.mutate({ ...scope, ...input, idempotencyKey }))}
        noValidate
      >
        <ServerIssues
          error={create.error}
          slotFor={(name) => {
            const field = subscriptionFieldFor(name);
            return FIELDS.has(field) ? field : null;
          }}
        >
          <Field name="accountLocator" label="Account" errors={errors} hint="The accounts receivable that pays.">
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

          <Field name="paymentModel" label="Payment model" errors={errors}>
            {(a11y) => (
              <select {...a11y} {...register("paymentModel")}>
                {PAYMENT_MODELS.map((m) => (
                  <option key={m} value={m}>
                    {PAYMENT_MODEL_LABELS[m]}
                  </option>
                ))}
              </select>
            )}
          </Field>

          <div className="row">
            <Field
              name="price"
              label="Price per period"
              errors={errors}
              hint={price.ok ? `${formatMoney(price.minor, currency)} (${price.minor} in minor units)` : undefined}
            >
              {(a11y) => (
                <input inputMode="decimal" autoComplete="off" placeholder="129.50" {...a11y} {...register("price")} />
              )}
            </Field>
            <Field name="currency" label="Currency" errors={errors}>
              {(a11y) => (
                <input
                  list="currencies"
                  maxLength={3}
                  autoComplete="off"
                  className="currency"
                  {...a11y}
                  {...register("currency")}
                />
              )}
            </Field>
            <datalist id="currencies">
              {CURRENCIES.map((c) => (
                <option key={c} value={c} />
              ))}
            </datalist>
          </div>

          <div className="row">
            <Field name="billingPeriod" label="Billing period" errors={errors}>
              {(a11y) => (
                <select {...a11y} {...register("billingPeriod")}>
                  {BILLING_PERIOD_NAMES.map((p) => (
                    <option key={p} value={p}>
                      {BILLING_PERIOD_LABELS[p]}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field name="startDate" label="Start date" errors={errors} hint="The first billing period starts here.">
              {(a11y) => <input type="date" {...a11y} {...register("startDate")} />}
            </Field>
            <Field
              name="paymentTermDays"
              label="Payment term (days)"
              errors={errors}
              hint="An invoice is due this many days after it is issued."
            >
              {(a11y) => (
                <input type="number" min={0} max={365} inputMode="numeric" {...a11y} {...register("paymentTermDays")} />
              )}
            </Field>
          </div>

          <Field name="number" label="Number (optional)" errors={errors} hint="Empty: one is given, SUB-….">
            {(a11y) => <input autoComplete="off" {...a11y} {...register("number")} />}
          </Field>

          <div className="form-actions">
            <button type="submit" className="primary" disabled={create.isPending}>
              {create.isPending ? "Creating…" : "Create subscription"}
            </button>
            <Link href="/subscriptions">Cancel</Link>
          </div>
        </ServerIssues>
      </form>
    </section>
  );
}
