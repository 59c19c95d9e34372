/**
 * The Settings forms: each is built from the server's own input schemas
 * (tenant settings, tokens, users, passwords), so the form refuses what the
 * server would, at the same field names.
 */
import {
  createTokenInput,
  type Permission,
  ruleCheck,
  updateSettingsInput,
  usersCreateInput,
  zBusinessDate,
  zNewPassword,
  zPermissions,
  zText,
} from "@holdfast/domain";
import { z } from "zod";

/** What each permission lets its holder do, as the checkboxes say it. */
export const PERMISSION_LABELS: Record<Permission, string> = {
  "holds:read": "Read holds",
  "holds:list": "List holds",
  "holds:write": "Create and change holds",
  "automations:read": "Read automations",
  "automations:write": "Change automations",
  "subscriptions:read": "Read subscriptions and settings",
  "subscriptions:write": "Change subscriptions",
  admin: "Administer the tenant (everything)",
};

const required = <T extends z.ZodType>(schema: z.ZodOptional<T>) => schema.unwrap();

export const tenantSettingsForm = z.object({
  graceDays: required(updateSettingsInput.shape.graceDays),
  timeZone: required(updateSettingsInput.shape.timeZone),
});

/** A new token: name, permissions, and an optional last day (it stops working at the start of that day, local time). */
export const tokenForm = z
  .object({
    name: createTokenInput.shape.name,
    permissions: createTokenInput.shape.permissions,
    expiresOn: z.union([z.literal(""), zBusinessDate]),
  })
  .transform(({ expiresOn, ...token }) =>
    expiresOn ? { ...token, expiresAt: new Date(`${expiresOn}T00:00:00`).toISOString() } : token,
  );
export type TokenFormValues = z.input<typeof tokenForm>;

/** How long a rolled token's old secret keeps working: 1 to 168 hours (7 days); empty, the server's default (24 h). */
export const rollForm = z
  .object({
    overlapHours: z.union([
      z.literal(""),
      z.coerce.number({ error: "must be a number of hours" }).int().min(1).max(168, { error: "must be at most 168" }),
    ]),
  })
  .transform(({ overlapHours }) =>
    overlapHours === "" ? {} : { overlapUntil: new Date(Date.now() + overlapHours * 3600_000).toISOString() },
  );

export const userForm = usersCreateInput.pick({ email: true, name: true, permissions: true });
export type UserFormValues = z.input<typeof userForm>;

export const userEditForm = z.object({ name: zText(200).min(1), permissions: zPermissions });

export const setPasswordForm = z
  .object({ password: zNewPassword, confirm: z.string() })
  .refine((v) => v.password === v.confirm, ruleCheck("passwords_match", "must match the password", ["confirm"]));
