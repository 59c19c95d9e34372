import type { AppRouter } from "@holdfast/api";
import { ORDER_ITEM_TYPES } from "@holdfast/domain";
import { skipToken, useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useState } from "react";
import type { FieldErrors, FieldPath, UseFormRegister } from "react-hook-form";
import { Link } from "wouter";
import { Field } from "../components/field.tsx";
import {
  type RoutePreviewFormValues,
  type RoutePreviewInput,
  routePreviewDefaults,
  routePreviewForm,
} from "../forms/route-preview-form.ts";
import { ServerIssues } from "../forms/server-issues.tsx";
import { useZodForm } from "../forms/use-zod-form.ts";
import { useScope } from "../session.tsx";
import { type ApiError, useTRPC } from "../trpc.ts";
import { randomUuid } from "../uuid.ts";
import "../automations.css";
import { usePageTitle } from "../page-title.ts";

type Preview = inferRouterOutputs<AppRouter>["automations"]["previewRoute"];
type Route = Preview["routes"][number];
type Name = FieldPath<RoutePreviewFormValues>;

/**
 * Which automation and assignment route an order item of a reservation, to
 * which bill, with which owner and associated account; or why none does.
 */
export function RoutePreview() {
  usePageTitle("Routing preview");
  const trpc = useTRPC();
  const scope = useScope();
  const [asked, setAsked] = useState<RoutePreviewInput | null>(null);
  const {
    register,
    handleSubmit,
    setValue,
    getValues,
    formState: { errors, isSubmitted },
  } = useZodForm(routePreviewForm, { defaultValues: routePreviewDefaults() });
  // Fresh every time it is asked: automations may have changed since.
  const preview = useQuery(
    trpc.automations.previewRoute.queryOptions(asked ? { ...scope, ...asked } : skipToken, { staleTime: 0 }),
  );

  function ask(input: RoutePreviewInput) {
    if (asked && JSON.stringify(asked) === JSON.stringify(input)) void preview.refetch();
    else setAsked(input);
  }

  const generate = (name: Name) => () =>
    setValue(name, randomUuid(), { shouldDirty: true, shouldValidate: isSubmitted });
  const guid = (name: Name, label: string, optional = false) => (
    <GuidField
      name={name}
      label={label}
      optional={optional}
      errors={errors}
      register={register}
      onGenerate={generate(name)}
    />
  );

  return (
    <section aria-labelledby="preview-title">
      <p className="crumbs">
        <Link href="/automations">Billing automations</Link> /
      </p>
      <h1 id="preview-title">Routing preview</h1>
      <p className="muted">
        Which of the tenant's automations would route this order item, to which bill: nothing is saved.
      </p>
      <form className="card form preview-form" onSubmit={handleSubmit(ask)} noValidate>
        <ServerIssues
          error={preview.error as ApiError | null}
          slotFor={(name) => (getValues(name as Name) !== undefined ? name : null)}
        >
          <div className="columns">
            <fieldset>
              <legend>Order item</legend>
              {guid("orderItem.serviceId", "Service id")}
              <Field name="orderItem.itemType" label="Item type" errors={errors}>
                {(a11y) => (
                  <select {...a11y} {...register("orderItem.itemType")}>
                    {ORDER_ITEM_TYPES.map((t) => (
                      <option key={t} value={t}>
                        {t}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              {guid("orderItem.rateId", "Rate id", true)}
              {guid("orderItem.productId", "Product id", true)}
              {guid("orderItem.productCategoryId", "Product category id", true)}
              {guid("orderItem.accountingCategoryId", "Accounting category id", true)}
              <Field name="orderItem.consumptionDate" label="Consumption date" errors={errors}>
                {(a11y) => <input type="date" {...a11y} {...register("orderItem.consumptionDate")} />}
              </Field>
            </fieldset>
            <fieldset>
              <legend>Reservation</legend>
              {guid("reservation.id", "Reservation id")}
              {guid("reservation.ownerId", "Owner id")}
              {guid("reservation.companyId", "Company id", true)}
              <Field name="reservation.companyRelation" label="Company relation" errors={errors}>
                {(a11y) => (
                  <select {...a11y} {...register("reservation.companyRelation")}>
                    <option value="">No company</option>
                    <option value="partnerCompany">partnerCompany</option>
                    <option value="travelAgency">travelAgency</option>
                  </select>
                )}
              </Field>
              {guid("reservation.reservationGroupId", "Reservation group id", true)}
              <label className="check field">
                <input type="checkbox" {...register("reservation.prepaid")} />
                Prepaid
              </label>
            </fieldset>
          </div>
          <Field
            name="processingDate"
            label="Processing date (optional)"
            errors={errors}
            hint="The day the routing runs, for Recurring consumption periods. Empty: today in the tenant's time zone."
          >
            {(a11y) => <input type="date" {...a11y} {...register("processingDate")} />}
          </Field>
          <div className="form-actions">
            <button type="submit" className="primary" disabled={preview.isFetching}>
              {preview.isFetching ? "Previewing…" : "Preview route"}
            </button>
          </div>
        </ServerIssues>
      </form>
      {preview.data && <Outcome preview={preview.data} />}
    </section>
  );
}

function GuidField({
  name,
  label,
  optional,
  errors,
  register,
  onGenerate,
}: {
  name: Name;
  label: string;
  optional: boolean;
  errors: FieldErrors<RoutePreviewFormValues>;
  register: UseFormRegister<RoutePreviewFormValues>;
  onGenerate: () => void;
}) {
  return (
    <Field name={name} label={optional ? `${label} (optional)` : label} errors={errors}>
      {(a11y) => (
        <span className="with-action">
          <input {...a11y} className="guid" {...register(name)} />
          <button type="button" className="small" onClick={onGenerate} aria-label={`Generate ${label.toLowerCase()}`}>
            Generate
          </button>
        </span>
      )}
    </Field>
  );
}

function party(p: { kind: string; id: string } | null) {
  if (!p) return <span className="muted">none</span>;
  return (
    <>
      {p.kind} <span className="mono">{p.id}</span>
    </>
  );
}

function RouteFields({ route }: { route: Route }) {
  return (
    <dl className="fields">
      <dt>Automation</dt>
      <dd data-testid="route-automation">
        <Link href={`/automations/${route.automationId}`}>{route.automationName}</Link>
      </dd>
      <dt>Assignment</dt>
      <dd className="mono" data-testid="route-assignment">
        {route.assignmentId}
      </dd>
      <dt>Bill aggregation</dt>
      <dd>{route.bill.aggregationType}</dd>
      <dt>Aggregation key</dt>
      <dd className="mono" data-testid="route-key">
        {route.bill.aggregationKey}
      </dd>
      <dt>Owner</dt>
      <dd data-testid="route-owner">{party(route.bill.owner)}</dd>
      <dt>Associated account</dt>
      <dd data-testid="route-associated">{party(route.bill.associatedAccount)}</dd>
    </dl>
  );
}

function Outcome({ preview }: { preview: Preview }) {
  const { outcome, route, routes, rejections } = preview;
  return (
    <section
      aria-labelledby="outcome-title"
      className={`card outcome outcome-${outcome}`}
      data-testid="route-outcome"
      data-outcome={outcome}
      aria-live="polite"
    >
      <h2 id="outcome-title">
        {outcome === "routed" && "Routed"}
        {outcome === "conflict" && `Conflict: ${routes.length} automations route this item`}
        {outcome === "not_routed" && "Not routed"}
      </h2>
      <p className="muted">Processing date {preview.processingDate}.</p>
      {outcome === "routed" && route && <RouteFields route={route} />}
      {outcome === "conflict" && (
        <>
          <p>Each of these would route it; change their companies or assignments so only one does.</p>
          <ol className="routes">
            {routes.map((r) => (
              <li key={`${r.automationId}:${r.assignmentId}`} data-testid="conflict-route">
                <RouteFields route={r} />
              </li>
            ))}
          </ol>
        </>
      )}
      {outcome === "not_routed" && rejections.length === 0 && (
        <p data-testid="no-automations">The tenant has no billing automations.</p>
      )}
      {rejections.length > 0 && (
        <>
          <h3>{outcome === "not_routed" ? "Why no automation routes it" : "Automations that do not route it"}</h3>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Automation</th>
                <th scope="col">Reason</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {rejections.map((r) => (
                <tr key={r.automationId} data-testid="rejection-row" data-automation={r.automationId}>
                  <td>
                    <Link href={`/automations/${r.automationId}`}>{r.automationName}</Link>
                  </td>
                  <td>
                    <code>{r.reason}</code>
                  </td>
                  <td>{r.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
