import type { schema } from "@holdfast/db";
import { AppError } from "@holdfast/domain";
import type { ActingContext } from "../context.ts";
import { parseSecretKey, type SecretBox, secretBox } from "./secrets.ts";

type EndpointSecrets = Pick<
  typeof schema.webhookEndpoints.$inferSelect,
  "secretCiphertext" | "previousSecretCiphertext" | "previousSecretExpiresAt"
>;

/**
 * The `whsec_…` secrets an endpoint's deliveries are signed with at `now`:
 * the current one, and the previous one while a rotation's overlap lasts
 * (`previousSecretExpiresAt` in the future). Current first.
 */
export function endpointSigningSecrets(box: SecretBox, row: EndpointSecrets, now: Date): string[] {
  const secrets = [box.open(row.secretCiphertext)];
  if (row.previousSecretCiphertext && row.previousSecretExpiresAt && row.previousSecretExpiresAt > now) {
    secrets.push(box.open(row.previousSecretCiphertext));
  }
  return secrets;
}

/** The deployment's secret box from `HOLDFAST_SECRET_KEY`, or null when the variable is unset. */
export function secretBoxFromEnv(value: string | undefined): SecretBox | null {
  const key = parseSecretKey(value);
  return key ? secretBox(key) : null;
}

/**
 * The context's secret box; without one (HOLDFAST_SECRET_KEY unset) making or
 * rotating a webhook secret is refused with NOT_CONFIGURED (tRPC
 * PRECONDITION_FAILED, HTTP 412) naming the variable.
 */
export function requireSecretBox(ctx: ActingContext): SecretBox {
  if (ctx.secrets) return ctx.secrets;
  throw AppError.notConfigured(
    "HOLDFAST_SECRET_KEY",
    "webhook secrets need HOLDFAST_SECRET_KEY (32 bytes, e.g. `openssl rand -base64 32`) set on the server",
  );
}
