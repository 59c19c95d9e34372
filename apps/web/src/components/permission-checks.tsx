import { PERMISSIONS } from "@holdfast/domain";
import type { FieldErrors, FieldValues, Path, UseFormRegister } from "react-hook-form";
import { PERMISSION_LABELS } from "../forms/access-forms.ts";
import { FieldError } from "./field-error.tsx";

/** A checkbox per permission, for a form whose `permissions` field is the list of those checked. */
export function PermissionChecks<V extends FieldValues & { permissions: string[] }>({
  register,
  errors,
}: {
  register: UseFormRegister<V>;
  errors: FieldErrors;
}) {
  return (
    <fieldset className="checks" data-field="permissions">
      <legend>Permissions</legend>
      {PERMISSIONS.map((p) => (
        <label key={p} className="check">
          <input type="checkbox" value={p} {...register("permissions" as Path<V>)} />
          {PERMISSION_LABELS[p]} <code className="small">{p}</code>
        </label>
      ))}
      <FieldError errors={errors} name="permissions" />
    </fieldset>
  );
}
