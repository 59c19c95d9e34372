import type { AppRouter } from "@holdfast/api";
import { AUDITED_ENTITIES } from "@holdfast/domain";
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import type { FormEvent, ReactNode } from "react";
import { Link, useSearchParams } from "wouter";
import { ErrorBanner } from "../components/error-banner.tsx";
import { ExportButton } from "../components/export-button.tsx";
import { FieldChanges } from "../components/history-timeline.tsx";
import { ListStates, LoadMore } from "../components/paged-list.tsx";
import { entityHref } from "../entity-href.ts";
import { formatInstant } from "../format.ts";
import { fieldChanges } from "../history-diff.ts";
import { useScope } from "../session.tsx";
import { useTRPC } from "../trpc.ts";
import "../overview.css";
import { usePageTitle } from "../page-title.ts";

type AuditRow = inferRouterOutputs<AppRouter>["audit"]["list"]["items"][number];

const PAGE_SIZE = 50;
/** The filters, as named in the URL's query string and in audit.list's input. */
const FILTERS = ["entityType", "entityId", "actor", "action", "from", "to", "requestId"] as const;
type Filter = (typeof FILTERS)[number];

/** The tenant-wide audit log: newest first, filtered by the URL's query string, a page at a time. */
export function AuditLog() {
  usePageTitle("Audit log");
  const trpc = useTRPC();
  const scope = useScope();
  const [params, setParams] = useSearchParams();
  const filters: Partial<Record<Filter, string>> = {};
  for (const f of FILTERS) {
    const v = params.get(f)?.trim();
    if (v) filters[f] = v;
  }
  const input = { ...scope, ...filters, limit: PAGE_SIZE } as Parameters<
    typeof trpc.audit.list.infiniteQueryOptions
  >[0];
  const list = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(input, {
      getNextPageParam: (last) => last.nextCursor ?? undefined,
      placeholderData: keepPreviousData,
    }),
  );
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const readable = list.data?.pages[0]?.entityTypes ?? [...AUDITED_ENTITIES];

  function apply(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const next = new URLSearchParams();
    for (const f of FILTERS) {
      const v = String(data.get(f) ?? "").trim();
      if (v) next.set(f, v);
    }
    setParams(next);
  }

  return (
    <section aria-labelledby="audit-title">
      <div className="page-head">
        <h1 id="audit-title">Audit log</h1>
        <div className="page-actions">
          <ExportButton list="audit" filters={filters} />
        </div>
      </div>
      <form
        className="filters audit-filters"
        aria-label="Filter the audit log"
        onSubmit={apply}
        key={params.toString()}
      >
        <FilterField name="entityType" label="Entity type" value={filters.entityType}>
          <select id="audit-entityType" name="entityType" defaultValue={filters.entityType ?? ""}>
            <option value="">Any</option>
            {readable.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </FilterField>
        <FilterField name="entityId" label="Entity id" value={filters.entityId} />
        <FilterField name="actor" label="Actor" value={filters.actor} />
        <FilterField name="action" label="Action" value={filters.action} />
        <FilterField name="from" label="From (business date)" value={filters.from} type="date" />
        <FilterField name="to" label="To (business date)" value={filters.to} type="date" />
        <FilterField name="requestId" label="Request id" value={filters.requestId} />
        <div className="filter-buttons">
          <button type="submit" className="primary">
            Apply filters
          </button>
          <button type="button" onClick={() => setParams(new URLSearchParams())}>
            Clear
          </button>
        </div>
      </form>
      <ErrorBanner error={list.error} />
      <ListStates pages={list} count={items.length} loading="Loading the audit log…" emptyTestId="audit-empty">
        No change matches these filters.
      </ListStates>
      {items.length > 0 && (
        <ol className="audit-rows" aria-label="Changes, newest first" data-testid="audit-rows">
          {items.map((r) => (
            <AuditRowItem key={r.id} row={r} />
          ))}
        </ol>
      )}
      <LoadMore pages={list} />
    </section>
  );
}

function FilterField({
  name,
  label,
  value,
  type = "text",
  children,
}: {
  name: Filter;
  label: string;
  value: string | undefined;
  type?: string;
  children?: ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={`audit-${name}`}>{label}</label>
      {children ?? <input id={`audit-${name}`} name={name} type={type} defaultValue={value ?? ""} />}
    </div>
  );
}

function AuditRowItem({ row }: { row: AuditRow }) {
  const href = entityHref(row.entityType, row.entityId);
  const changes = fieldChanges(row.before, row.after, [], { whole: true });
  return (
    <li className="card audit-row" data-testid="audit-row" data-action={row.action}>
      <div className="audit-row-head">
        <strong data-testid="audit-action">{row.action}</strong> <span className="muted">{row.entityType}</span>{" "}
        {href ? (
          <Link href={href} className="mono" data-testid="audit-entity">
            {row.entityId}
          </Link>
        ) : (
          <span className="mono" data-testid="audit-entity">
            {row.entityId}
          </span>
        )}
      </div>
      <p className="small muted audit-meta">
        <time dateTime={row.at} title={row.at}>
          {formatInstant(row.at)}
        </time>{" "}
        · by <span data-testid="audit-actor">{row.actorName}</span> ({row.actorType}) · request{" "}
        <span className="mono" data-testid="audit-request">
          {row.requestId ?? "—"}
        </span>
      </p>
      {row.reason && (
        <p className="small" data-testid="audit-reason">
          Reason: {row.reason}
        </p>
      )}
      <FieldChanges changes={changes} />
    </li>
  );
}
