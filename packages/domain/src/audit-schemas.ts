import { z } from "zod";
import { zScope, zText } from "./common-schemas.ts";

export const AUDITED_ENTITIES = [
  "hold",
  "account",
  "automation",
  "subscription",
  "subscription_action",
  "invoice",
  "tenant",
  "user",
  "token",
  "directory_name",
  "webhook_endpoint",
] as const;

export const auditHistoryInput = z.strictObject({
  ...zScope,
  entityType: z.enum(AUDITED_ENTITIES),
  entityId: zText(64).min(1),
});

export const auditEventOutput = z.object({
  id: z.string(),
  entityType: z.string(),
  entityId: z.string(),
  action: z.string(),
  actorType: z.string(),
  actorId: z.string(),
  actorName: z.string(),
  at: z.string(),
  requestId: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  /** The reason given for a final move (release, discard, terminate, cancel); null otherwise. */
  reason: z.string().nullable(),
});
export type AuditEventOutput = z.infer<typeof auditEventOutput>;
