/**
 * P1's bare handler, run as its own process: node:http plus postgres.js, no
 * tRPC, no Drizzle, no validation layer. POST /move {"locator"} with a bearer
 * token runs the plan's statements (the API's captured SQL) in order: the
 * authentication queries on the pool, then the transaction on one reserved
 * connection, with named prepared statements (postgres.js's default).
 * The hold's account id is read from the hold row, as the API does.
 *
 * Env: DATABASE_URL, PORT, P1_PLAN (the plan's JSON file), POOL_MAX.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import postgres from "postgres";
import { fillParams, type MovePlan, type MoveValues } from "./plan.ts";

const plan = JSON.parse(readFileSync(process.env.P1_PLAN as string, "utf8")) as MovePlan;
const sql = postgres(process.env.DATABASE_URL as string, {
  max: Number(process.env.POOL_MAX ?? 20),
  onnotice: () => undefined,
  connection: { application_name: "bench-p1-bare" },
});

let counter = 0;
/** A unique 26-character id (time, process counter, randomness). */
function newId(): string {
  counter = (counter + 1) % 1_000_000;
  return `${Date.now().toString(32)}${counter.toString(32).padStart(4, "0")}${randomBytes(6).toString("hex")}`
    .slice(0, 26)
    .toUpperCase();
}

async function move(locator: string, token: string, requestId: string): Promise<unknown> {
  const v: MoveValues = {
    hold: locator,
    account: "",
    audit: newId(),
    event: newId(),
    request: requestId,
    now: new Date().toISOString(),
    tokenHash: createHash("sha256").update(token).digest("hex"),
  };
  let last: unknown;
  const runOne = async (q: postgres.Sql | postgres.ReservedSql, i: number) => {
    const st = plan.statements[i];
    if (!st) throw new Error(`no statement ${i}`);
    const rows = await q.unsafe(st.text, fillParams(plan, st, v) as postgres.ParameterOrJSON<never>[], {
      prepare: true,
    });
    const first = rows[0] as Record<string, unknown> | undefined;
    // The first statement looks the token up: no row, no move (the API answers 401).
    if (i === 0 && !first) throw new Error("unknown token");
    if (!v.account && first && typeof first.account_id === "string") v.account = first.account_id;
    // The move's UPDATE is the one inside the transaction.
    const isMove = i >= plan.transactionStart && /^update /i.test(st.text);
    if (isMove && rows.length !== 1) throw new Error(`hold ${locator} was not moved`);
    if (first && isMove) last = first;
  };
  for (let i = 0; i < plan.transactionStart; i++) await runOne(sql, i);
  const conn = await sql.reserve();
  try {
    try {
      for (let i = plan.transactionStart; i < plan.statements.length; i++) await runOne(conn, i);
    } catch (e) {
      await conn.unsafe("rollback").catch(() => undefined);
      throw e;
    }
  } finally {
    conn.release();
  }
  return last;
}

const server = http.createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200).end("ok");
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    let locator: unknown;
    try {
      locator = (JSON.parse(Buffer.concat(chunks).toString()) as { locator?: unknown }).locator;
    } catch {
      locator = undefined;
    }
    if (req.method !== "POST" || req.url !== "/move" || typeof locator !== "string" || !token) {
      res.writeHead(400, { "content-type": "application/json" }).end('{"error":"bad request"}');
      return;
    }
    const requestId = typeof req.headers["x-request-id"] === "string" ? req.headers["x-request-id"] : newId();
    move(locator, token, requestId).then(
      (row) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(row)),
      (e: unknown) =>
        res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: String(e) })),
    );
  });
});
server.listen(Number(process.env.PORT), "127.0.0.1");

const stop = () => {
  server.close();
  server.closeAllConnections();
  void sql.end({ timeout: 5 }).then(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
