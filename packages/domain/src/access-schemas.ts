import { z } from "zod";
import { PERMISSIONS } from "./access.ts";
import { zLocator, zScope, zTenantLocator, zText } from "./common-schemas.ts";

/** A rolled token's old secret works 24 h by default, 7 days at most. */
export const TOKEN_ROLL_DEFAULT_OVERLAP_MS = 24 * 60 * 60 * 1000;
export const TOKEN_ROLL_MAX_OVERLAP_MS = 7 * 24 * 60 * 60 * 1000;
/** A credential's `lastUsedAt` is written again only once it is older than this. */
export const LAST_USED_RESOLUTION_MS = 60 * 1000;

export const zPermission = z.enum(PERMISSIONS);
/** An instant with its offset (`2027-03-10T12:00:00Z`). */
export const zInstant = z.iso.datetime({ offset: true, error: "must be an ISO 8601 instant with an offset" });
/** A token prefix as listed (and as the CLI's revoke-token takes it): `hft_` and six characters. */
export const zTokenPrefix = z.string().regex(/^hft_[A-Za-z0-9_-]{6}$/, { error: "must be hft_ and six characters" });

export const createTokenInput = z.strictObject({
  ...zScope,
  name: zText(200).trim().min(1),
  /** The same permissions in every tenant the token is bound to. */
  permissions: z
    .array(zPermission)
    .min(1)
    .max(PERMISSIONS.length * 2)
    .transform((ps) => [...new Set(ps)]),
  /** The tenants it is bound to; default: the caller's tenant. */
  tenantLocators: z
    .array(zTenantLocator)
    .min(1)
    .max(50)
    .transform((ts) => [...new Set(ts)])
    .optional(),
  /** Must be in the future; none: the token does not expire. */
  expiresAt: zInstant.optional(),
});
export type CreateTokenInput = z.output<typeof createTokenInput>;

export const listTokensInput = z
  .strictObject({
    ...zScope,
    /** Keyset cursor: the last locator of the previous page. */
    cursor: zLocator.nullish(),
    /** Sent by tRPC's infinite queries; pages always run newest first. */
    direction: z.enum(["forward", "backward"]).optional(),
    limit: z.number().int().min(1).max(100).default(50),
  })
  .default({ limit: 50 });
export type ListTokensInput = z.output<typeof listTokensInput>;

export const revokeTokenInput = z.strictObject({ ...zScope, locator: zLocator });
export type RevokeTokenInput = z.output<typeof revokeTokenInput>;

export const rollTokenInput = z.strictObject({
  ...zScope,
  locator: zLocator,
  /** Until when the old secret keeps working: default now + 24 h, at most now + 7 days, in the future. */
  overlapUntil: zInstant.optional(),
});
export type RollTokenInput = z.output<typeof rollTokenInput>;

/** A token as listed: never its secret or hash. `tenants` are those of the caller's it is bound to. */
export const tokenOutput = z.object({
  locator: z.string(),
  name: z.string(),
  prefix: z.string(),
  /** Its permissions in the tenant the call is scoped to. */
  permissions: z.array(z.string()),
  tenants: z.array(z.object({ tenantLocator: z.string(), name: z.string(), permissions: z.array(z.string()) })),
  /** The actor label of whoever made it (`user:…`, `token:…`, `system:cli`); null for provisioning. */
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  /** The token this one was rolled into. */
  rolledInto: z.string().nullable(),
});
export type TokenOutput = z.infer<typeof tokenOutput>;

/** A token just made (or rolled): its listing and the secret, shown this once. */
export const createdTokenOutput = tokenOutput.extend({ secret: z.string() });
export type CreatedTokenOutput = z.infer<typeof createdTokenOutput>;

export const tokenPageOutput = z.object({ items: z.array(tokenOutput), nextCursor: z.string().nullable() });
export type TokenPageOutput = z.infer<typeof tokenPageOutput>;

/** The new token, with the old one as it now stands (its `expiresAt` is the overlap's end). */
export const rolledTokenOutput = createdTokenOutput.extend({ previous: tokenOutput });
export type RolledTokenOutput = z.infer<typeof rolledTokenOutput>;
