import { schema } from "@holdfast/db";
import {
  AppError,
  type CreatedWebhookOutput,
  type CreateWebhookInput,
  type ListWebhooksInput,
  type UpdateWebhookInput,
  WEBHOOK_SECRET_OVERLAP_MS,
  type WebhookLocatorInput,
  type WebhookOutput,
  type WebhookPageOutput,
} from "@holdfast/domain";
import { and, desc, eq, lt } from "drizzle-orm";
import { recordAudit } from "../audit.ts";
import { reader, type ServiceContext } from "../context.ts";
import { runMutation } from "../idempotency.ts";
import { newLocator } from "../ids.ts";
import { splitPage } from "../paging.ts";
import { type EndpointRow, lockEndpoint, requireWebhookUrl, toWebhookOutput } from "./endpoint-store.ts";
import { newWebhookSecret, webhookSecretPrefix } from "./secrets.ts";
import { requireSecretBox } from "./signing-secrets.ts";

const ENTITY = "webhook_endpoint";

/**
 * A new endpoint of the scoped tenant. Its `whsec_…` signing secret is in
 * the answer and nowhere else: the row keeps it sealed (HOLDFAST_SECRET_KEY)
 * and its prefix. The answer is not kept for idempotent replays (it holds
 * the secret), so `idempotencyKey` is not honoured here: a retried create
 * makes a second endpoint.
 */
export async function createWebhook(ctx: ServiceContext, input: CreateWebhookInput): Promise<CreatedWebhookOutput> {
  const box = requireSecretBox(ctx);
  requireWebhookUrl(ctx, input.url);
  const now = ctx.clock.now();
  const secret = newWebhookSecret();
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(schema.webhookEndpoints)
      .values({
        id: newLocator(),
        tenantId: ctx.tenantId,
        url: input.url,
        description: input.description,
        eventTypes: input.eventTypes,
        secretCiphertext: box.seal(secret),
        secretPrefix: webhookSecretPrefix(secret),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (!row) throw new Error("the endpoint was not inserted");
    const out = toWebhookOutput(row);
    await recordAudit(tx, ctx, {
      tenantId: ctx.tenantId,
      entityType: ENTITY,
      entityId: row.id,
      action: "create",
      before: null,
      after: out,
    });
    return { ...out, secret };
  });
}

/** The scoped tenant's endpoints, newest first, a page at a time: never a secret. */
export async function listWebhooks(ctx: ServiceContext, input: ListWebhooksInput): Promise<WebhookPageOutput> {
  const e = schema.webhookEndpoints;
  const rows = await reader(ctx)
    .select()
    .from(e)
    .where(and(eq(e.tenantId, ctx.tenantId), input.cursor ? lt(e.id, input.cursor) : undefined))
    .orderBy(desc(e.id))
    .limit(input.limit + 1);
  const { page, nextCursor } = splitPage(rows, input.limit);
  return { items: page.map(toWebhookOutput), nextCursor };
}

/** The fields an update sets, besides its version and time. */
function updatedFields(input: UpdateWebhookInput, current: EndpointRow, now: Date): Partial<EndpointRow> {
  const set: Partial<EndpointRow> = {};
  if (input.url !== undefined) set.url = input.url;
  if (input.eventTypes !== undefined) set.eventTypes = input.eventTypes;
  if (input.description !== undefined) set.description = input.description;
  if (input.enabled === false && current.status !== "disabled") {
    Object.assign(set, { status: "disabled", disabledAt: now });
  }
  if (input.enabled === true && current.status !== "enabled") {
    Object.assign(set, { status: "enabled", failingSince: null, disabledAt: null });
  }
  return set;
}

/**
 * Changes an endpoint's URL, event types, description or whether it is
 * enabled, at the version last read (a stale one is VERSION_CONFLICT).
 * Disabling stops its deliveries; enabling again also clears `failing`.
 */
export async function updateWebhook(ctx: ServiceContext, input: UpdateWebhookInput): Promise<WebhookOutput> {
  if (input.url !== undefined) requireWebhookUrl(ctx, input.url);
  return runMutation(
    ctx,
    { operation: "webhooks.update", idempotencyKey: input.idempotencyKey, request: input },
    async (tx) => {
      const current = await lockEndpoint(tx, ctx, input.locator);
      if (current.version !== input.version) {
        throw AppError.staleVersion({
          entity: "webhook endpoint",
          locator: input.locator,
          currentVersion: current.version,
          expectedVersion: input.version,
          path: "version",
        });
      }
      const now = ctx.clock.now();
      const [row] = await tx
        .update(schema.webhookEndpoints)
        .set({ ...updatedFields(input, current, now), updatedAt: now, version: current.version + 1 })
        .where(eq(schema.webhookEndpoints.id, current.id))
        .returning();
      if (!row) throw AppError.concurrentChange({ entity: "webhook endpoint", locator: input.locator });
      const action = input.enabled === false ? "disable" : input.enabled === true ? "enable" : "update";
      const after = toWebhookOutput(row);
      await recordAudit(tx, ctx, {
        tenantId: ctx.tenantId,
        entityType: ENTITY,
        entityId: row.id,
        action,
        before: toWebhookOutput(current),
        after,
      });
      return after;
    },
  );
}

/** Deletes an endpoint with its deliveries and their attempts; the answer is the endpoint as it was. */
export async function deleteWebhook(ctx: ServiceContext, input: WebhookLocatorInput): Promise<WebhookOutput> {
  return runMutation(
    ctx,
    { operation: "webhooks.delete", idempotencyKey: input.idempotencyKey, request: input },
    async (tx) => {
      const current = await lockEndpoint(tx, ctx, input.locator);
      await tx.delete(schema.webhookEndpoints).where(eq(schema.webhookEndpoints.id, current.id));
      const before = toWebhookOutput(current);
      await recordAudit(tx, ctx, {
        tenantId: ctx.tenantId,
        entityType: ENTITY,
        entityId: current.id,
        action: "delete",
        before,
        after: null,
      });
      return before;
    },
  );
}

/**
 * A new signing secret, in the answer only. The one it replaces keeps
 * signing beside it for 24 h (WEBHOOK_SECRET_OVERLAP_MS), so receivers can
 * switch over; a secret rotated out earlier stops at once. Like create, it
 * does not honour `idempotencyKey` (the answer holds the secret).
 */
export async function rotateWebhookSecret(
  ctx: ServiceContext,
  input: WebhookLocatorInput,
): Promise<CreatedWebhookOutput> {
  const box = requireSecretBox(ctx);
  const now = ctx.clock.now();
  const secret = newWebhookSecret();
  return ctx.db.transaction(async (tx) => {
    const current = await lockEndpoint(tx, ctx, input.locator);
    const [row] = await tx
      .update(schema.webhookEndpoints)
      .set({
        secretCiphertext: box.seal(secret),
        secretPrefix: webhookSecretPrefix(secret),
        previousSecretCiphertext: current.secretCiphertext,
        previousSecretExpiresAt: new Date(now.getTime() + WEBHOOK_SECRET_OVERLAP_MS),
        updatedAt: now,
        version: current.version + 1,
      })
      .where(eq(schema.webhookEndpoints.id, current.id))
      .returning();
    if (!row) throw AppError.concurrentChange({ entity: "webhook endpoint", locator: input.locator });
    const after = toWebhookOutput(row);
    await recordAudit(tx, ctx, {
      tenantId: ctx.tenantId,
      entityType: ENTITY,
      entityId: row.id,
      action: "rotate_secret",
      before: toWebhookOutput(current),
      after,
    });
    return { ...after, secret };
  });
}
