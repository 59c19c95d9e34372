import type { Context } from "hono";
import type { CompatEnv } from "./app.ts";

/**
 * How much of a body is read before the request's credential has been
 * checked. A route whose credential travels in the body (Mews `AccessToken`,
 * CRM.COM `token`) finds it in these first bytes; past them, reading goes on
 * only once that credential (or the Authorization header) has authenticated.
 */
export const UNAUTHENTICATED_BODY_BYTES = 8 * 1024;

/** The deepest nesting of objects and arrays a JSON body may have (as the ORMB reader's). */
export const MAX_JSON_DEPTH = 64;

export interface BodyReadOptions {
  /** The most bytes read; a longer body ends the read with `tooLarge()`. */
  maxBytes: number;
  tooLarge: () => Error;
  /**
   * Called once, with the first {@link UNAUTHENTICATED_BODY_BYTES} as text,
   * when the body is longer than that: it throws unless the request's
   * credential authenticates, and the rest is not read then.
   */
  beyondPrefix?: (prefix: string) => Promise<void>;
}

/** Why a JSON body was refused, for the route to say in its vendor's words. */
export type BodyRefusal = "too_large" | "too_deep" | "not_json" | "not_object";

/**
 * The request body as a JSON object: read as {@link readBodyText} reads it,
 * its nesting checked before parsing, then parsed. Each refusal is the error
 * `refuse` makes for it (413 for `too_large`, 400 otherwise, in the vendor's shape).
 */
export async function readJsonObject(
  c: Context<CompatEnv>,
  opts: Omit<BodyReadOptions, "tooLarge"> & { refuse: (why: BodyRefusal) => Error },
): Promise<Record<string, unknown>> {
  const text = await readBodyText(c, { ...opts, tooLarge: () => opts.refuse("too_large") });
  if (jsonTooDeepAt(text) >= 0) throw opts.refuse("too_deep");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw opts.refuse("not_json");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw opts.refuse("not_object");
  return body as Record<string, unknown>;
}

/**
 * The request body as text, read as a stream and never past `maxBytes` (a
 * declared Content-Length over it is refused before reading anything). A
 * route that stops before the end leaves the rest unread: the app then closes
 * the connection with the answer (see app.ts).
 */
export async function readBodyText(c: Context<CompatEnv>, opts: BodyReadOptions): Promise<string> {
  const raw = c.req.raw;
  const declared = Number(raw.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > opts.maxBytes) throw opts.tooLarge();
  if (!raw.body) {
    c.set("bodyRead", true);
    return "";
  }
  const reader = raw.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let gated = !opts.beyondPrefix;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
      if (size > opts.maxBytes) throw opts.tooLarge();
      if (!gated && size > UNAUTHENTICATED_BODY_BYTES) {
        gated = true;
        const prefix = Buffer.concat(chunks).subarray(0, UNAUTHENTICATED_BODY_BYTES).toString("utf8");
        await opts.beyondPrefix?.(prefix);
      }
    }
  } finally {
    reader.releaseLock();
  }
  c.set("bodyRead", true);
  return Buffer.concat(chunks, size).toString("utf8");
}

/**
 * The offset of the first bracket nested deeper than `max` in a JSON text,
 * or -1: a linear scan that skips strings, run before `JSON.parse` so that no
 * body can make a parser or a schema recurse without bound.
 */
export function jsonTooDeepAt(text: string, max = MAX_JSON_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++;
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) {
      inString = true;
    } else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > max) return i;
    } else if (ch === 0x7d || ch === 0x5d) {
      depth--;
    }
  }
  return -1;
}

/**
 * The string value of the first `"field": "…"` in a JSON text's prefix, or
 * undefined. Used only to find a body's credential before the whole body is
 * read; the request is still authenticated with the fully parsed body.
 */
export function scanStringField(prefix: string, field: string): string | undefined {
  const m = new RegExp(`"${field}"\\s*:\\s*"((?:[^"\\\\]|\\\\.){0,400})"`).exec(prefix);
  if (!m) return undefined;
  try {
    return JSON.parse(`"${m[1]}"`) as string;
  } catch {
    return undefined;
  }
}
