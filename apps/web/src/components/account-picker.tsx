import type { AccountOutput } from "@holdfast/domain";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { type KeyboardEvent, useEffect, useId, useState } from "react";
import { useScope } from "../session.tsx";
import { useTRPC } from "../trpc.ts";
import "./account-picker.css";

/** How many matches the picker lists; typing more narrows them. */
const RESULT_LIMIT = 20;

type Picked = Pick<AccountOutput, "locator" | "name" | "externalId">;

/**
 * The account of a form, searched as you type (`accounts.list` with `search`:
 * name contains, external id starts with), so every account of the tenant can
 * be chosen, not only a first page. An ARIA combobox: a labelled input, a
 * listbox of matches under it, arrow keys and Enter to choose, Escape to
 * close. Closed accounts are listed but cannot be chosen. A preset value (an
 * account page's "Place hold") shows its account, fetched by `accounts.get`.
 */
export function AccountPicker({
  a11y,
  value,
  onChange,
  onBlur,
}: {
  a11y: { id: string; "aria-invalid"?: boolean | undefined; "aria-describedby"?: string | undefined };
  value: string;
  onChange: (locator: string) => void;
  onBlur?: () => void;
}) {
  const trpc = useTRPC();
  const scope = useScope();
  const listId = useId();
  const [picked, setPicked] = useState<Picked | null>(null);
  const [text, setText] = useState<string | null>(null);
  const [search, setSearch] = useState("");
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);

  const preset = useQuery({
    ...trpc.accounts.get.queryOptions({ ...scope, account: value }, { staleTime: 60_000 }),
    enabled: Boolean(value) && picked?.locator !== value,
  });
  const current: Picked | null = picked?.locator === value ? picked : (preset.data?.account ?? null);
  const shown = text ?? (value ? (current?.name ?? "") : "");

  useEffect(() => {
    const next = (text ?? "").trim();
    if (next === search) return;
    const timer = setTimeout(() => setSearch(next), 200);
    return () => clearTimeout(timer);
  }, [text, search]);

  const results = useQuery({
    ...trpc.accounts.list.queryOptions(
      { ...scope, limit: RESULT_LIMIT, sort: "name", ...(search ? { search } : {}) },
      { placeholderData: keepPreviousData, staleTime: 30_000 },
    ),
    enabled: open,
  });
  const items = results.data?.items ?? [];

  function choose(a: AccountOutput) {
    if (a.status !== "open") return;
    setPicked(a);
    setText(null);
    setOpen(false);
    onChange(a.locator);
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!open) return setOpen(true);
      const step = e.key === "ArrowDown" ? 1 : -1;
      setActive((i) => (items.length ? (i + step + items.length) % items.length : 0));
    } else if (e.key === "Enter" && open) {
      e.preventDefault();
      const a = items[active];
      if (a) choose(a);
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      setOpen(false);
    }
  }

  const activeId = open && items[active] ? `${listId}-${active}` : undefined;
  return (
    <div className="account-picker">
      <input
        {...a11y}
        type="text"
        role="combobox"
        autoComplete="off"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listId}
        aria-activedescendant={activeId}
        placeholder="Search by name or external id…"
        value={shown}
        data-value={value}
        onChange={(e) => {
          setText(e.target.value);
          setActive(0);
          setOpen(true);
          if (value) onChange("");
        }}
        onFocus={() => setOpen(true)}
        onClick={() => setOpen(true)}
        onKeyDown={onKeyDown}
        onBlur={() => {
          setOpen(false);
          onBlur?.();
        }}
      />
      {current && value && <p className="hint account-picked">External id: {current.externalId ?? "—"}</p>}
      {open && (results.isPending || items.length === 0) && (
        <p className="account-results muted" role="status">
          {results.isPending ? "Searching…" : "No account matches."}
        </p>
      )}
      <div
        id={listId}
        role="listbox"
        aria-label="Matching accounts"
        className="account-results"
        hidden={!open || items.length === 0}
      >
        {open &&
          items.map((a, i) => (
            // biome-ignore lint/a11y/useKeyWithClickEvents: the combobox input takes the keys (arrows, Enter) for its options
            <div
              key={a.locator}
              tabIndex={-1}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={a.locator === value}
              aria-disabled={a.status !== "open" || undefined}
              className={i === active ? "active" : undefined}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => choose(a)}
            >
              <span className="name">
                {a.name}
                {a.status !== "open" ? " (closed)" : ""}
              </span>
              {a.externalId && <span className="muted small mono">{a.externalId}</span>}
            </div>
          ))}
      </div>
    </div>
  );
}
