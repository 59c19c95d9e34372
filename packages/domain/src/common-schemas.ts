import { z } from "zod";
import { isBusinessDate } from "./dates.ts";

export const ULID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export const zLocator = z.string().regex(ULID_RE, { error: "must be a ULID (26 characters, Crockford base32)" });
export const zTenantLocator = z.uuid({ error: "must be a UUID" });
export const zBusinessDate = z
  .string()
  .refine(isBusinessDate, { error: "must be a calendar date written YYYY-MM-DD" });
export const zIdempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, { error: "must be printable ASCII without spaces" });
export const zVersion = z.number().int().min(1).max(2_147_483_647);
export const zText = (max: number) => z.string().max(max, { error: `must be at most ${max} characters` });

/** Fields every tenant-scoped call may send. */
export const zScope = {
  /** Required when the caller's token is bound to several tenants. */
  tenantLocator: zTenantLocator.optional(),
};
/** Fields every mutation may send. */
export const zMutation = {
  ...zScope,
  idempotencyKey: zIdempotencyKey.optional(),
};
