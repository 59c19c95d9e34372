import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * Webhook signing secrets must be usable to sign, so they cannot be stored
 * hashed: they are sealed with AES-256-GCM under the deployment's key
 * (`HOLDFAST_SECRET_KEY`, 32 bytes), which the database never holds. A
 * database dump alone reveals no secret, and a tampered ciphertext fails to open.
 */
export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

const VERSION = "v1";

export function secretBox(key: Uint8Array): SecretBox {
  if (key.length !== 32) throw new Error("the secret key must be 32 bytes");
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return [VERSION, iv, cipher.getAuthTag(), body]
        .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
        .join(".");
    },
    open(sealed) {
      const [version, iv, tag, body] = sealed.split(".");
      if (version !== VERSION || !iv || !tag || body === undefined) throw new Error("not a sealed secret");
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
    },
  };
}

/**
 * `HOLDFAST_SECRET_KEY` as 32 bytes: 64 hex characters, or base64/base64url of
 * 32 bytes. Null when unset; a value of another size is a configuration error
 * naming the variable.
 */
export function parseSecretKey(value: string | undefined): Buffer | null {
  if (value === undefined || value.trim() === "") return null;
  const v = value.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(v) ? Buffer.from(v, "hex") : Buffer.from(v, "base64url");
  if (key.length !== 32) {
    throw new Error(
      "HOLDFAST_SECRET_KEY must be 32 bytes, written as 64 hex characters or base64 (`openssl rand -base64 32`)",
    );
  }
  return key;
}

/** A new key, for a first start: base64 of 32 random bytes. */
export function newSecretKey(): string {
  return randomBytes(32).toString("base64");
}

/** A Standard Webhooks signing secret: `whsec_` and base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** What lists show of a secret: its first characters, enough to tell two apart. */
export function webhookSecretPrefix(secret: string): string {
  return secret.slice(0, 12);
}
