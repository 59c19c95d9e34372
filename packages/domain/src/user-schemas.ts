import { z } from "zod";
import { PERMISSIONS } from "./access.ts";
import { zLocator, zMutation, zScope, zText, zVersion } from "./common-schemas.ts";

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 200;

/**
 * A password being chosen: 12 to 200 characters. The server also refuses any
 * on its breached-password list (rule `breached_password`), which the
 * dashboard does not ship.
 */
export const zNewPassword = zText(PASSWORD_MAX_LENGTH).min(PASSWORD_MIN_LENGTH, {
  error: `must be at least ${PASSWORD_MIN_LENGTH} characters`,
});
/** A password being checked (sign-in, the current password): any length up to the maximum. */
export const zPassword = zText(PASSWORD_MAX_LENGTH).min(1);
export const zEmail = zText(320).pipe(z.email({ error: "must be an email address" }));
export const zPermissions = z.array(z.enum(PERMISSIONS)).max(PERMISSIONS.length);

export const signInInput = z.strictObject({ email: zText(320).min(3), password: zPassword });

export const usersCreateInput = z.strictObject({
  ...zMutation,
  email: zEmail,
  name: zText(200).min(1),
  permissions: zPermissions,
});

export const usersListInput = z.strictObject({
  ...zScope,
  cursor: zLocator.nullish(),
  limit: z.number().int().min(1).max(500).default(100),
});

export const usersUpdateInput = z.strictObject({
  ...zMutation,
  locator: zLocator,
  name: zText(200).min(1).optional(),
  permissions: zPermissions.optional(),
  expectedVersion: zVersion.optional(),
});

export const usersLocatorInput = z.strictObject({ ...zMutation, locator: zLocator });

/** The secret of a set-password link (what follows `#` in `/set-password#…`). */
export const zLinkToken = z
  .string()
  .min(10, { error: "is not a set-password link's token" })
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, { error: "is not a set-password link's token" });

export const setPasswordInput = z.strictObject({ token: zLinkToken, password: zNewPassword });

export const changePasswordInput = z.strictObject({ currentPassword: zPassword, newPassword: zNewPassword });

export const userOutput = z.object({
  locator: z.string(),
  email: z.string(),
  name: z.string(),
  permissions: z.array(z.string()),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  disabledAt: z.string().nullable(),
  hasPassword: z.boolean(),
  lastSignInAt: z.string().nullable(),
  version: z.number().int(),
});
export type UserOutput = z.infer<typeof userOutput>;

/** A set-password link: its path holds the secret, shown this once. */
export const passwordLinkOutput = z.object({ path: z.string(), expiresAt: z.string() });

export const userCreatedOutput = z.object({
  user: userOutput,
  /** Null when the user already had a password (an existing user added to this tenant). */
  link: passwordLinkOutput.nullable(),
});

export const sessionOutput = z.object({
  id: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  clientIp: z.string().nullable(),
  userAgent: z.string().nullable(),
  current: z.boolean(),
});
