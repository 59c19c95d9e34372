import type { ReactNode } from "react";
import type { FieldErrors } from "react-hook-form";
import { FieldError, useFieldA11y } from "./field-error.tsx";

/** A labelled input with its error beside it. The input gets the id the label points at. */
export function Field({
  name,
  label,
  errors,
  hint,
  children,
}: {
  name: string;
  label: string;
  errors: FieldErrors;
  hint?: string;
  children: (a11y: ReturnType<typeof useFieldA11y>) => ReactNode;
}) {
  const a11y = useFieldA11y(errors, name);
  return (
    <div className="field">
      <label htmlFor={a11y.id}>{label}</label>
      {children(a11y)}
      {hint && <p className="hint">{hint}</p>}
      <FieldError errors={errors} name={name} />
    </div>
  );
}
