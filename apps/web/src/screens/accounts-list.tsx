import { ACCOUNT_SORTS, type AccountSort, HOLD_PROCESSES, type HoldProcess } from "@holdfast/domain";
import { keepPreviousData, useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link, useLocation, useSearchParams } from "wouter";
import { DialogActions } from "../components/dialog-actions.tsx";
import { ErrorBanner } from "../components/error-banner.tsx";
import { Field } from "../components/field.tsx";
import { Modal } from "../components/modal.tsx";
import { ListStates, LoadMore } from "../components/paged-list.tsx";
import { formatInstant, processLabel } from "../format.ts";
import { accountForm } from "../forms/account-forms.ts";
import { ServerIssues } from "../forms/server-issues.tsx";
import { useIdempotencyKey } from "../forms/use-idempotency-key.ts";
import { useZodForm } from "../forms/use-zod-form.ts";
import { useCan, useScope } from "../session.tsx";
import { useTRPC } from "../trpc.ts";
import "../accounts.css";
import { useListSort } from "../bulk/list-sort.ts";
import { SortHeader } from "../bulk/sort-header.tsx";
import { usePageTitle } from "../page-title.ts";

const PAGE_SIZE = 50;
const isProcess = (s: string): s is HoldProcess => (HOLD_PROCESSES as readonly string[]).includes(s);

const COLUMNS: { sort: AccountSort; title: string }[] = [
  { sort: "name", title: "Name" },
  { sort: "externalId", title: "External id" },
  { sort: "createdAt", title: "Created" },
];

/**
 * The tenant's accounts: search (name contains, external id starts with),
 * held today for a process, sortable columns; all of it in the URL
 * (`/accounts?heldFor=invoicing` is the overview's link). Admins create accounts here.
 */
export function AccountsList() {
  usePageTitle("Accounts");
  const trpc = useTRPC();
  const scope = useScope();
  const isAdmin = useCan("admin");
  const [, navigate] = useLocation();
  const [params, setParams] = useSearchParams();
  const [creating, setCreating] = useState(false);

  const search = params.get("q") ?? "";
  const heldForParam = params.get("heldFor") ?? "";
  const heldFor = isProcess(heldForParam) ? heldForParam : undefined;
  const listSort = useListSort(ACCOUNT_SORTS, "name");
  const sort: AccountSort = listSort.sort ?? "name";
  const order = listSort.order;

  const [text, setText] = useState(search);
  useEffect(() => {
    if (text.trim() === search) return;
    const timer = setTimeout(() => setParam("q", text.trim() || null), 250);
    return () => clearTimeout(timer);
  });

  function setParam(name: string, value: string | null) {
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (value === null) next.delete(name);
        else next.set(name, value);
        return next;
      },
      { replace: true },
    );
  }

  const input = {
    ...scope,
    limit: PAGE_SIZE,
    sort,
    order,
    ...(search ? { search: search.slice(0, 100) } : {}),
    ...(heldFor ? { heldFor } : {}),
  } as const;
  const list = useInfiniteQuery(
    trpc.accounts.list.infiniteQueryOptions(input, {
      getNextPageParam: (last) => last.nextCursor ?? undefined,
      placeholderData: keepPreviousData,
    }),
  );
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <section aria-labelledby="accounts-title">
      <div className="page-head">
        <h1 id="accounts-title">Accounts</h1>
        {isAdmin && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New account
          </button>
        )}
      </div>

      <form className="filters" aria-label="Filter accounts" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="accounts-search">Name or external id</label>
          <input id="accounts-search" type="search" value={text} onChange={(e) => setText(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="accounts-held-for">Held today for</label>
          <select
            id="accounts-held-for"
            value={heldFor ?? ""}
            onChange={(e) => setParam("heldFor", e.target.value || null)}
          >
            <option value="">Any (held or not)</option>
            {HOLD_PROCESSES.map((p) => (
              <option key={p} value={p}>
                {processLabel(p)}
              </option>
            ))}
          </select>
        </div>
      </form>

      <ErrorBanner error={list.error} />
      <ListStates pages={list} count={items.length} loading="Loading accounts…" emptyTestId="accounts-empty">
        {heldFor || search ? "No account matches these filters." : "No accounts yet."}
      </ListStates>
      {items.length > 0 && (
        <div className="table-scroll">
          <table className="data-table" aria-busy={list.isFetching} data-testid="accounts-table">
            <caption className="visually-hidden">
              Accounts{heldFor ? ` held today for ${heldFor}` : ""}, sorted by {sort} {order}ending
            </caption>
            <thead>
              <tr>
                {COLUMNS.map((c) => (
                  <SortHeader key={c.sort} column={c.sort} label={c.title} sort={listSort} />
                ))}
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {items.map((a) => (
                <tr key={a.locator} data-testid="account-row">
                  <td>
                    <Link href={`/accounts/${a.locator}`}>{a.name}</Link>
                  </td>
                  <td className="mono">{a.externalId ?? "—"}</td>
                  <td className="nowrap">{formatInstant(a.createdAt)}</td>
                  <td>{a.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore pages={list} />

      {creating && (
        <CreateAccountDialog
          onClose={() => setCreating(false)}
          onCreated={(locator) => navigate(`/accounts/${locator}`)}
        />
      )}
    </section>
  );
}

/** A new account: its name and, optionally, the id another system knows it by. */
function CreateAccountDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (locator: string) => void }) {
  const trpc = useTRPC();
  const scope = useScope();
  const queryClient = useQueryClient();
  const idempotencyKey = useIdempotencyKey();
  const {
    register,
    handleSubmit,
    formState: { errors },
  } = useZodForm(accountForm, { defaultValues: { name: "", externalId: "" } });
  const create = useMutation(
    trpc.accounts.create.mutationOptions({
      onSuccess: (account) => {
        void queryClient.invalidateQueries(trpc.accounts.list.pathFilter());
        onCreated(account.locator);
      },
    }),
  );
  return (
    <Modal title="New account" busy={create.isPending} onClose={onClose} className="form-dialog">
      <form onSubmit={handleSubmit((values) => create.mutate({ ...scope, ...values, idempotencyKey }))} noValidate>
        <ServerIssues error={create.error} slotFor={(name) => (name === "name" || name === "externalId" ? name : null)}>
          <Field name="name" label="Name" errors={errors}>
            {(a11y) => <input autoComplete="off" {...a11y} {...register("name")} />}
          </Field>
          <Field name="externalId" label="External id (optional)" errors={errors}>
            {(a11y) => <input autoComplete="off" {...a11y} {...register("externalId")} />}
          </Field>
          <DialogActions
            pending={create.isPending}
            submitLabel="Create account"
            pendingLabel="Creating…"
            onClose={onClose}
          />
        </ServerIssues>
      </form>
    </Modal>
  );
}
