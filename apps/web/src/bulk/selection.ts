import { useCallback, useState } from "react";

/** Most locators "select all matching" gathers: twenty calls of the list at its largest page. */
export const SELECT_ALL_CAP = 10_000;

export interface Selection {
  selected: ReadonlySet<string>;
  has: (locator: string) => boolean;
  toggle: (locator: string, on: boolean) => void;
  set: (locators: readonly string[]) => void;
  clear: () => void;
}

/** The rows picked on a list; forgotten when `scopeKey` (the list's filter) changes. */
export function useSelection(scopeKey: string): Selection {
  const [state, setState] = useState<{ key: string; selected: Set<string> }>({ key: scopeKey, selected: new Set() });
  const current = state.key === scopeKey ? state.selected : new Set<string>();
  if (state.key !== scopeKey) setState({ key: scopeKey, selected: current });
  const toggle = useCallback(
    (locator: string, on: boolean) =>
      setState((prev) => {
        const next = new Set(prev.selected);
        if (on) next.add(locator);
        else next.delete(locator);
        return { key: prev.key, selected: next };
      }),
    [],
  );
  return {
    selected: current,
    has: (l) => current.has(l),
    toggle,
    set: (locators) => setState((prev) => ({ key: prev.key, selected: new Set(locators) })),
    clear: () => setState((prev) => ({ key: prev.key, selected: new Set() })),
  };
}

/** Every locator a list's filter matches, page after page (at most SELECT_ALL_CAP). */
export async function gatherLocators(
  page: (cursor: string | undefined) => Promise<{ items: { locator: string }[]; nextCursor: string | null }>,
): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  while (out.length < SELECT_ALL_CAP) {
    const p = await page(cursor);
    out.push(...p.items.map((i) => i.locator));
    if (!p.nextCursor) break;
    cursor = p.nextCursor;
  }
  return out.slice(0, SELECT_ALL_CAP);
}
