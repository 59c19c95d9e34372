import { z } from "zod";
import { isBusinessDate } from "./dates.ts";
import { ruleCheck } from "./rule-issues.ts";

export const ULID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export const zLocator = z.string().regex(ULID_RE, { error: "must be a ULID (26 characters, Crockford base32)" });
/** UUIDs compare case-insensitively; kept in lower case, as PostgreSQL returns them. */
export const zTenantLocator = z.uuid({ error: "must be a UUID" }).transform((s) => s.toLowerCase());
/** Business dates from 1900 to 9999 (PostgreSQL stores no year 0, and billing has no use for it). */
export const zBusinessDate = z
  .string()
  .refine(
    (v) => isBusinessDate(v) && v >= "1900-01-01",
    ruleCheck("calendar_date", "must be a calendar date written YYYY-MM-DD, from 1900-01-01"),
  );
export const zIdempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, { error: "must be printable ASCII without spaces" });
export const zVersion = z.number().int().min(1).max(2_147_483_647);
/**
 * Free text: bounded, and storable as it was sent. PostgreSQL text cannot hold
 * U+0000, and a lone UTF-16 surrogate would be silently replaced, so both are refused.
 */
export const zText = (max: number) =>
  z
    .string()
    .max(max, { error: `must be at most ${max} characters` })
    .refine((s) => !s.includes("\u0000"), ruleCheck("no_nul", "must not contain the NUL character (U+0000)"))
    .refine((s) => s.isWellFormed(), ruleCheck("well_formed_unicode", "must not contain a lone UTF-16 surrogate"));

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

/**
 * Why a final move (release, discard, terminate, cancel an action) was made:
 * 1 to 500 characters, not only blanks. Stored on the entity and on its audit event.
 */
export const zReason = zText(500).refine(
  (s) => s.trim().length > 0,
  ruleCheck("not_blank", "must give a reason (1 to 500 characters, not only spaces)"),
);

/** Sort direction of a sortable list. */
export const zSortOrder = z.enum(["asc", "desc"]);
/**
 * A list page's cursor, as the previous page answered it: a locator when the
 * list runs in its default order, an opaque sorted-keyset cursor ("s." then
 * base64url) when it is sorted by a column.
 */
export const zPageCursor = z
  .string()
  .max(600)
  .regex(/^(?:[0-9A-HJKMNP-TV-Z]{26}|s\.[A-Za-z0-9_-]+)$/, {
    error: "must be a cursor a previous page answered (a ULID, or a sorted list's cursor)",
  });
