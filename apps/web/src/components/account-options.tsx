import type { useAccounts } from "../accounts.ts";

/** An account select's options: a prompt first; closed accounts are listed but cannot be chosen. */
export function AccountOptions({ accounts }: { accounts: ReturnType<typeof useAccounts> }) {
  return (
    <>
      <option value="">{accounts.isPending ? "Loading accounts…" : "Choose an account…"}</option>
      {accounts.items.map((a) => (
        <option key={a.locator} value={a.locator} disabled={a.status !== "open"}>
          {a.name}
          {a.status !== "open" ? " (closed)" : ""}
        </option>
      ))}
    </>
  );
}
