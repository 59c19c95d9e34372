import type { ReactNode } from "react";
import { isApiError } from "../trpc.ts";

interface Issue {
  path: string;
  rule: string;
  message: string;
}

/** The message of any failure, with its field issues listed when there are some. */
export function ErrorBanner({
  error,
  issues,
  message,
  children,
  testId = "error-banner",
}: {
  error: unknown;
  issues?: readonly Issue[];
  /** Instead of the error's own message. */
  message?: string;
  children?: ReactNode;
  testId?: string;
}) {
  if (!error) return null;
  const listed = issues ?? (isApiError(error) ? (error.data?.issues ?? []) : []);
  return (
    <div role="alert" className="alert" data-testid={testId}>
      <p>{message ?? describeError(error)}</p>
      {listed.length > 0 && (
        <ul>
          {listed.map((i) => (
            <li key={`${i.path}:${i.rule}`}>
              <code>{i.path}</code> {i.message}
            </li>
          ))}
        </ul>
      )}
      {children}
    </div>
  );
}

export function describeError(error: unknown): string {
  if (isApiError(error)) {
    const status = error.data?.httpStatus;
    if (!error.data) return `The server could not be reached (${error.message}).`;
    if (error.data.code === "NOT_FOUND") return "Not found: it does not exist, or it belongs to another tenant.";
    if (error.data.code === "FORBIDDEN") return `Not allowed: ${error.message}`;
    if (status && status >= 500) {
      return `${error.message}${error.data.requestId ? ` (request ${error.data.requestId})` : ""}`;
    }
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
