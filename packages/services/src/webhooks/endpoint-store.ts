import { type DatabaseOrTransaction, schema } from "@holdfast/db";
import { AppError, type FieldIssue, type WebhookOutput } from "@holdfast/domain";
import { and, eq } from "drizzle-orm";
import type { ServiceContext } from "../context.ts";
import { checkWebhookUrl } from "./url-guard.ts";

export type EndpointRow = typeof schema.webhookEndpoints.$inferSelect;

/** An endpoint as the procedures answer it and as audit rows keep it: never a secret, only its prefix. */
export function toWebhookOutput(row: EndpointRow): WebhookOutput {
  return {
    locator: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.eventTypes,
    status: row.status,
    secretPrefix: row.secretPrefix,
    previousSecretExpiresAt: row.previousSecretExpiresAt?.toISOString() ?? null,
    failingSince: row.failingSince?.toISOString() ?? null,
    disabledAt: row.disabledAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  };
}

/** The scoped tenant's endpoint, locked for the change; another tenant's or an unknown one is NOT_FOUND. */
export async function lockEndpoint(tx: DatabaseOrTransaction, ctx: ServiceContext, locator: string) {
  const e = schema.webhookEndpoints;
  const [row] = await tx
    .select()
    .from(e)
    .where(and(eq(e.tenantId, ctx.tenantId), eq(e.id, locator)))
    .for("update");
  if (!row) throw AppError.notFound("webhook endpoint", locator);
  return row;
}

/** The scoped tenant's endpoint, or NOT_FOUND. */
export async function readEndpoint(db: DatabaseOrTransaction, ctx: ServiceContext, locator: string) {
  const e = schema.webhookEndpoints;
  const [row] = await db
    .select()
    .from(e)
    .where(and(eq(e.tenantId, ctx.tenantId), eq(e.id, locator)));
  if (!row) throw AppError.notFound("webhook endpoint", locator);
  return row;
}

/**
 * A URL the schema accepted is also refused when it carries credentials or,
 * unless HOLDFAST_WEBHOOKS_ALLOW_PRIVATE=1, names a loopback, private or
 * link-local address (or `localhost`) literally. Where a name resolves is checked when sending.
 */
export function requireWebhookUrl(ctx: ServiceContext, url: string): void {
  const refused = checkWebhookUrl(url, { allowPrivate: ctx.allowPrivateWebhooks === true });
  if (refused) {
    const issue: FieldIssue = { path: "url", rule: "webhook_url", message: refused };
    throw AppError.badRequest([issue]);
  }
}
