import type { AutomationOutput } from "@holdfast/domain";
import { useState } from "react";
import { Link, useLocation, useSearchParams } from "wouter";
import { GUID_RE, useAutomationPages } from "../automations.ts";
import { ErrorBanner } from "../components/error-banner.tsx";
import { ListStates, LoadMore } from "../components/paged-list.tsx";
import { formatInstant } from "../format.ts";
import { useCan } from "../session.tsx";
import { DeleteAutomationDialog } from "./delete-automation.tsx";
import "../automations.css";
import { ExportButton } from "../components/export-button.tsx";

/** The tenant's billing automations, in creation order, optionally those naming one company. */
export function AutomationsList() {
  const canWrite = useCan("automations:write");
  const [, navigate] = useLocation();
  const [params, setParams] = useSearchParams();
  const company = params.get("company") ?? "";
  const [companyText, setCompanyText] = useState(company);
  const companyValid = company === "" || GUID_RE.test(company);
  const list = useAutomationPages(companyValid && company ? { companyIds: [company.toLowerCase()] } : {});
  const items = list.data?.pages.flatMap((p) => p.automations) ?? [];
  const [deleting, setDeleting] = useState<AutomationOutput | null>(null);

  function applyCompany(value: string) {
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (value.trim()) next.set("company", value.trim());
        else next.delete("company");
        return next;
      },
      { replace: true },
    );
  }

  return (
    <section aria-labelledby="automations-title">
      <div className="page-head">
        <h1 id="automations-title">Billing automations</h1>
        <div className="badges">
          <ExportButton
            list="automations"
            filters={companyValid && company ? { companyIds: [company.toLowerCase()] } : {}}
          />
          <Link href="/automations/preview" className="button">
            Routing preview
          </Link>
          {canWrite && (
            <Link href="/automations/new" className="button primary">
              New automation
            </Link>
          )}
        </div>
      </div>

      <form
        className="filters"
        aria-label="Filter automations"
        onSubmit={(e) => {
          e.preventDefault();
          applyCompany(companyText);
        }}
      >
        <div className="field">
          <label htmlFor="filter-company">Company id</label>
          <input
            id="filter-company"
            className="guid"
            value={companyText}
            placeholder="any company"
            onChange={(e) => setCompanyText(e.target.value)}
            onBlur={() => applyCompany(companyText)}
            aria-invalid={!companyValid || undefined}
            aria-describedby={companyValid ? undefined : "filter-company-error"}
          />
          {!companyValid && (
            <p className="field-error" id="filter-company-error">
              must be a GUID
            </p>
          )}
        </div>
      </form>

      <ErrorBanner error={list.error} />

      <table className="data-table" aria-busy={list.isFetching}>
        <caption className="visually-hidden">Billing automations, in creation order</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Trigger</th>
            <th scope="col">Target type</th>
            <th scope="col">Aggregation</th>
            <th scope="col">Prepayment</th>
            <th scope="col">Companies</th>
            <th scope="col">Assignments</th>
            <th scope="col">Created</th>
            {canWrite && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {items.map((a) => (
            <tr
              key={a.id}
              className="clickable"
              onClick={() => navigate(`/automations/${a.id}`)}
              data-testid="automation-row"
              data-id={a.id}
            >
              <td>
                <Link href={`/automations/${a.id}`} onClick={(e) => e.stopPropagation()}>
                  {a.name}
                </Link>
              </td>
              <td>
                {a.triggerType}
                {a.triggerType === "Recurring" && (
                  <span className="muted small">
                    {" "}
                    {a.orderItemConsumptionPeriod}, {a.processingStartOffset}
                  </span>
                )}
              </td>
              <td>{a.assignmentTargetType}</td>
              <td>{a.billAggregationType}</td>
              <td>{a.prepayment}</td>
              <td className="num">{a.companies.length}</td>
              <td className="num">{a.assignments.length}</td>
              <td className="nowrap">{formatInstant(a.createdUtc)}</td>
              {canWrite && (
                <td>
                  <button
                    type="button"
                    className="link danger-text"
                    onClick={(e) => {
                      e.stopPropagation();
                      setDeleting(a);
                    }}
                    aria-label={`Delete ${a.name}`}
                  >
                    Delete
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <ListStates pages={list} count={items.length} loading="Loading automations…" emptyTestId="automations-empty">
        {company ? "No automation names this company." : "No billing automations yet."}
      </ListStates>
      <LoadMore pages={list} />
      {deleting && (
        <DeleteAutomationDialog
          automation={deleting}
          onDeleted={() => setDeleting(null)}
          onCancel={() => setDeleting(null)}
        />
      )}
    </section>
  );
}
