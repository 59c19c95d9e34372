import type { GlobalSearchOutput } from "@holdfast/domain";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { Link, useLocation } from "wouter";
import { useScope } from "../session.tsx";
import { useTRPC } from "../trpc.ts";
import "../accounts.css";

const DEBOUNCE_MS = 200;

type Group = keyof GlobalSearchOutput;
const GROUPS: {
  key: Group;
  title: string;
  href: (hit: { locator: string; subscriptionLocator?: string }) => string;
}[] = [
  { key: "accounts", title: "Accounts", href: (h) => `/accounts/${h.locator}` },
  { key: "holds", title: "Holds", href: (h) => `/holds/${h.locator}` },
  { key: "subscriptions", title: "Subscriptions", href: (h) => `/subscriptions/${h.locator}` },
  // An invoice is shown on its subscription's page.
  { key: "invoices", title: "Invoices", href: (h) => `/subscriptions/${h.subscriptionLocator ?? h.locator}` },
  { key: "automations", title: "Automations", href: (h) => `/automations/${h.locator}` },
];

/** The results as links in group order: the first is what Enter opens. */
function linksOf(data: GlobalSearchOutput | undefined) {
  if (!data) return [];
  return GROUPS.flatMap((g) =>
    data[g.key].map((hit) => ({
      group: g,
      hit,
      href: g.href(hit as { locator: string; subscriptionLocator?: string }),
    })),
  );
}

function isTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/**
 * The header's search: accounts, holds, subscriptions, invoices and
 * automations as one types (debounced), grouped under headings. `/` anywhere
 * outside a text field focuses it; Enter opens the first result, the arrow
 * keys walk the results, Escape closes them.
 */
export function GlobalSearch() {
  const trpc = useTRPC();
  const scope = useScope();
  const [, navigate] = useLocation();
  const input = useRef<HTMLInputElement>(null);
  const box = useRef<HTMLElement>(null);
  const popupId = useId();
  const [text, setText] = useState("");
  const [q, setQ] = useState("");
  const [open, setOpen] = useState(false);

  useEffect(() => {
    const timer = setTimeout(() => setQ(text.trim()), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);

  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || isTextField(e.target)) return;
      e.preventDefault();
      input.current?.focus();
    }
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  const search = useQuery(
    trpc.search.global.queryOptions(
      { ...scope, q: q.slice(0, 100) },
      { enabled: q.length > 0, placeholderData: keepPreviousData, staleTime: 5_000 },
    ),
  );
  const links = linksOf(q ? search.data : undefined);
  const shown = open && q.length > 0;

  const [enterPending, setEnterPending] = useState(false);
  const ready = q.length > 0 && q === text.trim() && !search.isFetching && !search.isPlaceholderData;

  function reset() {
    setOpen(false);
    setText("");
    setQ("");
    setEnterPending(false);
    input.current?.blur();
  }

  function go(href: string) {
    reset();
    navigate(href);
  }

  // Enter was pressed before the results for what was typed came: open the first once they do.
  useEffect(() => {
    if (!enterPending || !ready) return;
    setEnterPending(false);
    const first = linksOf(search.data)[0];
    if (first) go(first.href);
  });

  function focusResult(index: number) {
    const items = box.current?.querySelectorAll<HTMLAnchorElement>(".search-results a");
    if (!items || items.length === 0) return;
    const i = (index + items.length) % items.length;
    items[i]?.focus();
  }

  return (
    <search
      className="global-search"
      ref={box}
      onBlur={(e) => {
        if (!box.current?.contains(e.relatedTarget as Node | null)) setOpen(false);
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape" && open) {
          e.preventDefault();
          setOpen(false);
          input.current?.focus();
        } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
          const items = [...(box.current?.querySelectorAll<HTMLAnchorElement>(".search-results a") ?? [])];
          const at = items.indexOf(document.activeElement as HTMLAnchorElement);
          e.preventDefault();
          if (e.key === "ArrowDown") focusResult(at + 1);
          else if (at <= 0) input.current?.focus();
          else focusResult(at - 1);
        }
      }}
    >
      <input
        ref={input}
        type="search"
        aria-label="Search"
        aria-controls={popupId}
        aria-autocomplete="list"
        placeholder="Search  /"
        autoComplete="off"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onKeyDown={(e) => {
          if (e.key !== "Enter") return;
          e.preventDefault();
          const first = links[0];
          if (ready) {
            if (first) go(first.href);
          } else if (text.trim()) {
            // Before the results came: search now, and open the first when they do.
            setQ(text.trim());
            setEnterPending(true);
          }
        }}
      />
      <section id={popupId} className="search-results" hidden={!shown} aria-label="Search results">
        {shown && search.isFetching && links.length === 0 && <p className="muted">Searching…</p>}
        {shown && search.error && <p className="muted">The search failed; try again.</p>}
        {shown && !search.isFetching && !search.error && links.length === 0 && (
          <p className="muted" data-testid="search-empty">
            Nothing matches “{q}”.
          </p>
        )}
        {shown &&
          GROUPS.filter((g) => (search.data?.[g.key].length ?? 0) > 0).map((g) => (
            <section key={g.key} aria-labelledby={`${popupId}-${g.key}`}>
              <h2 id={`${popupId}-${g.key}`}>{g.title}</h2>
              <ul>
                {links
                  .filter((l) => l.group.key === g.key)
                  .map((l) => (
                    <li key={l.hit.locator}>
                      <Link href={l.href} onClick={reset}>
                        <span className="label">{l.hit.label}</span>
                        {l.hit.detail && <span className="muted detail">{l.hit.detail}</span>}
                      </Link>
                    </li>
                  ))}
              </ul>
            </section>
          ))}
      </section>
    </search>
  );
}
