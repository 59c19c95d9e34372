/**
 * Captures the SQL one hold move really issues over tRPC HTTP: the product's
 * HTTP server (createHttpServer, the same code apps/server runs) is started
 * in-process on a database whose postgres.js `debug` hook records every
 * statement sent, with its parameters; one activate request is made.
 */
import { randomUUID } from "node:crypto";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import { createHttpServer } from "@holdfast/server/http";
import { createLogger } from "@holdfast/server/logger";
import { systemClock } from "@holdfast/services";
import { keepAliveAgent, postJson } from "../shared/load.ts";
import { createTracingDb, type TracedStatement } from "../shared/sql-trace.ts";

export type CapturedStatement = TracedStatement;

export interface Capture {
  statements: CapturedStatement[];
  requestId: string;
  auditId: string;
  /** The move's domain event (hold.activated), written beside its audit row. */
  eventId: string;
  /** The answer the API gave. */
  answer: unknown;
}

export async function captureMove(url: string, token: string, locator: string): Promise<Capture> {
  const traced = createTracingDb(url);
  const server: http.Server = createHttpServer({
    db: traced.db,
    clock: systemClock,
    logger: createLogger("bench-p1-capture", "silent"),
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const agent = keepAliveAgent(1);
  const requestId = randomUUID();
  try {
    const res = await traced.record(() =>
      postJson(
        agent,
        new URL(`http://127.0.0.1:${port}/trpc/holds.activate`),
        { locator },
        {
          authorization: `Bearer ${token}`,
          "x-request-id": requestId,
        },
      ),
    );
    if (res.status !== 200) throw new Error(`capture move failed: ${res.status} ${res.body}`);
    const [audit] = await traced.db.$client<
      { id: string }[]
    >`select id from audit_events where request_id = ${requestId}`;
    if (!audit) throw new Error("the captured move wrote no audit row");
    const [event] = await traced.db.$client<
      { id: string }[]
    >`select id from domain_events where request_id = ${requestId}`;
    if (!event) throw new Error("the captured move wrote no domain event");
    return {
      statements: [...traced.statements],
      requestId,
      auditId: audit.id,
      eventId: event.id,
      answer: JSON.parse(res.body),
    };
  } finally {
    agent.destroy();
    server.close();
    server.closeAllConnections();
    await traced.close();
  }
}
