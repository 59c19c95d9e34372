import type { ReactNode } from "react";
import { ErrorBanner } from "../components/error-banner.tsx";
import { ServerIssuesContext } from "../components/field-error.tsx";
import type { ApiError } from "../trpc.ts";
import { placeIssues } from "./issue-paths.ts";

/**
 * A failed submit: each server issue beside the field it names, anything the
 * form has no place for at the top of the form.
 */
export function ServerIssues({
  error,
  slotFor,
  children,
}: {
  error: ApiError | null;
  /** Where the form shows a field name's messages (see placeIssues), or null: at the top. */
  slotFor: (name: string) => string | null;
  children: ReactNode;
}) {
  const placed = placeIssues(error?.data?.issues ?? [], slotFor);
  const besideFields = Object.keys(placed.byField).length > 0;
  return (
    <ServerIssuesContext.Provider value={placed.byField}>
      {error && (
        <ErrorBanner
          error={error}
          issues={placed.unplaced}
          testId="form-error"
          {...(besideFields ? { message: "Not saved: see the messages beside the fields." } : {})}
        />
      )}
      {children}
    </ServerIssuesContext.Provider>
  );
}
