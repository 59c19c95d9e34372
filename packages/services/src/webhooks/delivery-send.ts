import http from "node:http";
import https from "node:https";
import { Webhook } from "standardwebhooks";
import { pinnedLookup, resolveDeliveryAddress, urlHost, WebhookAddressRefused } from "./delivery-guard.ts";

/**
 * Standard Webhooks headers for one delivery: `webhook-id` (the event's id,
 * the same on every retry and replay), `webhook-timestamp` (seconds, the
 * sender's wall clock, which receivers compare with theirs) and
 * `webhook-signature`: `v1,<base64>` per secret, space-separated (the
 * current secret and, during a rotation's overlap, the previous one).
 * Signed by the `standardwebhooks` library.
 */
export function signWebhook(
  secrets: readonly string[],
  id: string,
  at: Date,
  body: string,
): Record<"webhook-id" | "webhook-timestamp" | "webhook-signature", string> {
  const signature = secrets.map((s) => new Webhook(s).sign(id, at, body)).join(" ");
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": signature,
  };
}

export interface SendOptions {
  /** The whole request (resolve, connect, answer) must finish within this. */
  timeoutMs: number;
  allowPrivate: boolean;
}

/** What one attempt came to: the endpoint's status code (null when it did not answer) or why it failed. */
export interface SendOutcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  /** The start of the response body (at most 1 KB). */
  responseBody: string | null;
  durationMs: number;
}

const BODY_LIMIT = 1024;
// Connections are kept alive per destination; each was made to an address checked when it opened.
const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 256 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

/**
 * POSTs `body` to `url` with `headers`. Success is a 2xx answer; a redirect is
 * not followed (it is a failure naming its Location), nor is anything sent to
 * an address the SSRF guard refuses. Never throws: every failure is an outcome.
 */
export async function sendWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  opts: SendOptions,
): Promise<SendOutcome> {
  const started = performance.now();
  const done = (o: Omit<SendOutcome, "durationMs">): SendOutcome => ({
    ...o,
    durationMs: Math.round(performance.now() - started),
  });
  const failed = (error: string) => done({ ok: false, statusCode: null, error, responseBody: null });
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return failed(`not a URL: ${url}`);
  }
  if (target.protocol !== "http:" && target.protocol !== "https:")
    return failed("only http and https URLs are sent to");
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  try {
    const checked = await Promise.race([
      resolveDeliveryAddress(urlHost(target), opts.allowPrivate),
      new Promise<never>((_, reject) => deadline.addEventListener("abort", () => reject(deadline.reason))),
    ]);
    const answer = await new Promise<{ statusCode: number; body: string; location: string | undefined }>(
      (resolve, reject) => {
        const req = (target.protocol === "https:" ? https : http).request(target, {
          method: "POST",
          agent: agents[target.protocol as "http:" | "https:"],
          lookup: pinnedLookup(checked),
          signal: deadline,
          headers: {
            ...headers,
            "content-type": "application/json",
            "content-length": String(Buffer.byteLength(body)),
            "user-agent": "Holdfast-Webhooks/1",
          },
        });
        req.on("error", reject);
        req.on("response", (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          const finish = () =>
            resolve({
              statusCode: res.statusCode ?? 0,
              body: Buffer.concat(chunks).subarray(0, BODY_LIMIT).toString("utf8"),
              location: res.headers.location,
            });
          res.on("data", (c: Buffer) => {
            if (size < BODY_LIMIT) chunks.push(c);
            size += c.length;
            if (size >= BODY_LIMIT) {
              finish();
              res.destroy();
            }
          });
          res.on("end", finish);
          res.on("error", reject);
        });
        req.end(body);
      },
    );
    const ok = answer.statusCode >= 200 && answer.statusCode < 300;
    const redirect = answer.statusCode >= 300 && answer.statusCode < 400;
    return done({
      ok,
      statusCode: answer.statusCode,
      error: ok
        ? null
        : redirect
          ? `redirect not followed (${answer.location ?? "no Location"})`
          : `HTTP ${answer.statusCode}`,
      responseBody: answer.body || null,
    });
  } catch (e) {
    if (e instanceof WebhookAddressRefused) return failed(e.message);
    if (deadline.aborted) return failed(`timed out after ${opts.timeoutMs} ms`);
    const err = e as NodeJS.ErrnoException;
    return failed(err.code ? `${err.code}: ${err.message}` : String(err.message ?? e));
  }
}
