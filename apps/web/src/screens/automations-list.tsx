import type { AutomationOutput, AutomationSort } from "@holdfast/domain";
import { useState } from "react";
import { Link, useLocation, useSearchParams } from "wouter";
import { useAutomationPages } from "../automations.ts";
import { useListSort } from "../bulk/list-sort.ts";
import { SortHeader } from "../bulk/sort-header.tsx";
import { directoryLabel, useDirectory } from "../components/directory-picker.tsx";
import { ErrorBanner } from "../components/error-banner.tsx";
import { ListStates, LoadMore } from "../components/paged-list.tsx";
import { formatInstant } from "../format.ts";
import { useCan } from "../session.tsx";
import { DeleteAutomationDialog } from "./delete-automation.tsx";
import "../automations.css";
import { ExportButton } from "../components/export-button.tsx";
import { usePageTitle } from "../page-title.ts";

/** The columns the list sorts by from their headers; by creation unless the URL says otherwise. */
const SORT_COLUMNS: readonly AutomationSort[] = ["name", "created"];

/** The tenant's billing automations, in creation order or sorted by name, optionally those naming one company. */
export function AutomationsList() {
  usePageTitle("Billing automations");
  const canWrite = useCan("automations:write");
  const [, navigate] = useLocation();
  const [params, setParams] = useSearchParams();
  const company = (params.get("company") ?? "").toLowerCase();
  const sort = useListSort(SORT_COLUMNS, "created");
  const directory = useDirectory();
  const companies = (directory.data?.entries ?? []).filter((e) => e.kind === "company");
  const filters = {
    ...(company ? { companyIds: [company] } : {}),
    ...(sort.sort !== "created" ? { sort: sort.sort } : {}),
    ...(sort.order === "desc" ? { order: "desc" as const } : {}),
  };
  const list = useAutomationPages(filters);
  const items = list.data?.pages.flatMap((p) => p.automations) ?? [];
  const [deleting, setDeleting] = useState<AutomationOutput | null>(null);

  function setParam(name: string, value: string | null) {
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (value) next.set(name, value);
        else next.delete(name);
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
          <ExportButton list="automations" filters={filters} />
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

      <form className="filters" aria-label="Filter automations" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="filter-company">Company</label>
          <select id="filter-company" value={company} onChange={(e) => setParam("company", e.target.value || null)}>
            <option value="">Any company</option>
            {companies.map((c) => (
              <option key={c.id} value={c.id}>
                {directoryLabel(c)}
              </option>
            ))}
            {company && !companies.some((c) => c.id === company) && <option value={company}>{company}</option>}
          </select>
        </div>
      </form>

      <ErrorBanner error={list.error} />

      <table className="data-table stack" aria-busy={list.isFetching}>
        <caption className="visually-hidden">
          Billing automations, sorted by {sort.sort === "name" ? "name" : "creation"}
          {sort.order === "desc" ? ", descending" : ""}
        </caption>
        <thead>
          <tr>
            <SortHeader column="name" label="Name" sort={sort} />
            <th scope="col">Trigger</th>
            <th scope="col">Target type</th>
            <th scope="col">Aggregation</th>
            <th scope="col">Prepayment</th>
            <th scope="col">Companies</th>
            <th scope="col">Assignments</th>
            <SortHeader column="created" label="Created" sort={sort} />
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
              <td data-label="Name">
                <Link href={`/automations/${a.id}`} onClick={(e) => e.stopPropagation()}>
                  {a.name}
                </Link>
              </td>
              <td data-label="Trigger">
                {a.triggerType}
                {a.triggerType === "Recurring" && (
                  <span className="muted small">
                    {" "}
                    {a.orderItemConsumptionPeriod}, {a.processingStartOffset}
                  </span>
                )}
              </td>
              <td data-label="Target type">{a.assignmentTargetType}</td>
              <td data-label="Aggregation">{a.billAggregationType}</td>
              <td data-label="Prepayment">{a.prepayment}</td>
              <td className="num" data-label="Companies">
                {a.companies.length}
              </td>
              <td className="num" data-label="Assignments">
                {a.assignments.length}
              </td>
              <td className="nowrap" data-label="Created">
                {formatInstant(a.createdUtc)}
              </td>
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
