/**
 * Fixtures for the webhook delivery tests: a real HTTP receiver on
 * 127.0.0.1 (and nowhere else), and direct inserts of tenants, endpoints
 * (secret sealed with secretBox) and outbox events.
 */
import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { type Database, schema } from "@holdfast/db";
import { type DeliveryOptions, newLocator, newWebhookSecret, type SecretBox, secretBox } from "@holdfast/services";
import { sql } from "drizzle-orm";

export const SECRET_KEY = randomBytes(32);
export const SECRET_KEY_TEXT = SECRET_KEY.toString("base64");
export const box: SecretBox = secretBox(SECRET_KEY);

export interface Received {
  headers: Record<string, string>;
  body: string;
  /** The status the receiver answered (0 while it has not answered). */
  status: number;
}

/** How the receiver answers one request: a status, after an optional wait (a promise it waits for). */
export type Answer = { status: number; wait?: Promise<unknown> | number; headers?: Record<string, string> };

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  close(): Promise<void>;
}

/** A receiver on 127.0.0.1 that records every request and answers as `answer` says (default 200). */
export async function startReceiver(
  answer: (r: Received, index: number) => Answer = () => ({ status: 200 }),
  port = 0,
): Promise<Receiver> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
      const r: Received = { headers, body: Buffer.concat(chunks).toString("utf8"), status: 0 };
      const index = received.push(r) - 1;
      const a = answer(r, index);
      if (typeof a.wait === "number") await new Promise((ok) => setTimeout(ok, a.wait as number));
      else if (a.wait) await a.wait;
      r.status = a.status;
      if (!res.destroyed) {
        res.writeHead(a.status, a.headers);
        res.end(a.status < 300 ? "ok" : "no");
      }
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((ok) => server.listen(port, "127.0.0.1", ok));
  const p = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${p}/hook`,
    port: p,
    received,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

export async function insertTenant(db: Database, name = "Webhook Tenant"): Promise<string> {
  const id = randomUUID();
  await db.insert(schema.tenants).values({ id, name });
  return id;
}

export async function insertEndpoint(
  db: Database,
  tenantId: string,
  url: string,
  eventTypes: string[],
  opts: {
    secret?: string;
    previousSecret?: string;
    previousUntil?: Date;
    status?: "enabled" | "failing" | "disabled";
  } = {},
): Promise<{ id: string; secret: string }> {
  const secret = opts.secret ?? newWebhookSecret();
  const id = newLocator();
  const now = new Date("2027-01-01T00:00:00Z");
  await db.insert(schema.webhookEndpoints).values({
    id,
    tenantId,
    url,
    eventTypes,
    secretCiphertext: box.seal(secret),
    secretPrefix: secret.slice(0, 12),
    previousSecretCiphertext: opts.previousSecret ? box.seal(opts.previousSecret) : null,
    previousSecretExpiresAt: opts.previousUntil ?? null,
    status: opts.status ?? "enabled",
    createdAt: now,
    updatedAt: now,
  });
  return { id, secret };
}

/** Writes one outbox event (as a change's transaction would) and returns its id. */
export async function insertEvent(
  db: Database,
  tenantId: string,
  type: string,
  entity: { type: string; id: string },
  data: Record<string, unknown> = {},
  occurredAt = new Date("2027-01-01T00:00:00Z"),
): Promise<string> {
  const id = newLocator();
  await db.insert(schema.domainEvents).values({
    id,
    tenantId,
    type,
    entityType: entity.type,
    entityId: entity.id,
    occurredAt,
    requestId: `req-${id}`,
    data,
  });
  return id;
}

export async function deliveriesOf(db: Database, endpointId: string) {
  return (await db.execute(
    sql`select id, event_id, status, attempts, next_attempt_at, last_error, last_status_code
          from webhook_deliveries where endpoint_id = ${endpointId} order by event_seq`,
  )) as unknown as {
    id: string;
    event_id: string;
    status: string;
    attempts: number;
    next_attempt_at: Date;
    last_error: string | null;
    last_status_code: number | null;
  }[];
}

export async function attemptsOf(db: Database, deliveryId: string) {
  return (await db.execute(
    sql`select attempted_at, status_code, error from webhook_attempts where delivery_id = ${deliveryId} order by attempted_at, id`,
  )) as unknown as { attempted_at: Date; status_code: number | null; error: string | null }[];
}

export async function endpointRow(db: Database, id: string) {
  const [row] = (await db.execute(
    sql`select status, failing_since, disabled_at from webhook_endpoints where id = ${id}`,
  )) as unknown as { status: string; failing_since: Date | null; disabled_at: Date | null }[];
  return row;
}

export function options(clock: DeliveryOptions["clock"], extra: Partial<DeliveryOptions> = {}): DeliveryOptions {
  return {
    clock,
    box,
    workerId: "test-worker",
    timeoutMs: 5_000,
    concurrencyPerEndpoint: 4,
    allowPrivate: true,
    disableAfterDays: 5,
    random: () => 0.5,
    pollMs: 20,
    ...extra,
  };
}

/** Waits until `check()` is true, polling (fails after `ms`). */
export async function until(check: () => boolean | Promise<boolean>, ms = 60_000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 25));
  }
}
