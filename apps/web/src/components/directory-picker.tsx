import { DIRECTORY_MAX_LIMIT, type DirectoryEntry, type DirectoryKind } from "@holdfast/domain";
import { useQuery } from "@tanstack/react-query";
import { type Control, Controller, type FieldPath, type FieldValues } from "react-hook-form";
import { useScope } from "../session.tsx";
import { useTRPC } from "../trpc.ts";

/** The tenant's known services and companies (used by its automations, or named by an admin). */
export function useDirectory() {
  const trpc = useTRPC();
  const scope = useScope();
  return useQuery(trpc.automations.directory.queryOptions({ ...scope, limit: DIRECTORY_MAX_LIMIT }));
}

/** How an entry reads in a picker: its name, or its id when no admin named it yet. */
export function directoryLabel(e: Pick<DirectoryEntry, "name" | "id">): string {
  return e.name ?? `Unnamed ${e.id}`;
}

const NOUN: Record<DirectoryKind, string> = { service: "service", company: "company" };

/**
 * A service or company chosen by name from the directory, for a form field
 * holding its id. An id the directory does not list (more than it answers)
 * stays selectable as itself. New ones are named in Settings › Directory.
 */
export function DirectorySelect<V extends FieldValues>({
  kind,
  name,
  control,
  a11y,
  disabled = false,
}: {
  kind: DirectoryKind;
  name: FieldPath<V>;
  control: Control<V, unknown, unknown>;
  a11y: { id: string; "aria-invalid"?: boolean | undefined; "aria-describedby"?: string | undefined };
  disabled?: boolean;
}) {
  const directory = useDirectory();
  const entries = (directory.data?.entries ?? []).filter((e) => e.kind === kind);
  return (
    <Controller
      control={control}
      name={name}
      render={({ field }) => {
        const value = String(field.value ?? "");
        const known = entries.some((e) => e.id === value);
        return (
          <select
            {...a11y}
            ref={field.ref}
            name={field.name}
            value={value}
            disabled={disabled}
            onChange={(e) => field.onChange(e.target.value)}
            onBlur={field.onBlur}
            data-directory={kind}
          >
            <option value="">{directory.isPending ? "Loading…" : `Choose a ${NOUN[kind]}…`}</option>
            {entries.map((e) => (
              <option key={e.id} value={e.id}>
                {directoryLabel(e)}
              </option>
            ))}
            {value && !known && <option value={value}>{value}</option>}
          </select>
        );
      }}
    />
  );
}
