import { createContext, useContext } from "react";
import { type FieldErrors, get } from "react-hook-form";

/** Issues the server reported, keyed by form field name. */
export const ServerIssuesContext = createContext<Record<string, string[]>>({});

/** Where a message's rule code starts (see withRuleNote): FieldError shows it as a small "rule: …" note. */
export const RULE_NOTE = "\u2002rule: ";

/** A rule's message for people, with its rule code kept for support. */
export function withRuleNote(message: string, rule: string | null | undefined): string {
  return rule ? `${message}${RULE_NOTE}${rule}` : message;
}

export function fieldErrorId(name: string): string {
  return `error-${name.replaceAll(".", "-")}`;
}

/** The client-side (schema) or server-side messages for one field, or row, or list. */
export function useFieldMessages(errors: FieldErrors, name: string): string[] {
  const server = useContext(ServerIssuesContext)[name] ?? [];
  const client = get(errors, name) as { message?: unknown; root?: { message?: unknown } } | undefined;
  const own = typeof client?.message === "string" ? client.message : undefined;
  const root = typeof client?.root?.message === "string" ? client.root.message : undefined;
  const messages = [own, root].filter((m): m is string => !!m);
  return [...messages, ...server];
}

/** Shown beside its field; the field points at it with aria-describedby. */
export function FieldError({ errors, name }: { errors: FieldErrors; name: string }) {
  const messages = useFieldMessages(errors, name);
  if (messages.length === 0) return null;
  return (
    <p className="field-error" id={fieldErrorId(name)} data-testid={`error-${name}`}>
      {messages.map((message, i) => {
        const [text, rule] = message.split(RULE_NOTE);
        return (
          <span key={i}>
            {i > 0 && " "}
            {text}
            {rule && <small className="rule-note"> rule: {rule}</small>}
          </span>
        );
      })}
    </p>
  );
}

/** Props that tie an input to its error message. */
export function useFieldA11y(errors: FieldErrors, name: string) {
  const invalid = useFieldMessages(errors, name).length > 0;
  return {
    id: name.replaceAll(".", "-"),
    "aria-invalid": invalid || undefined,
    "aria-describedby": invalid ? fieldErrorId(name) : undefined,
  };
}
