import { useState } from "react";
import { randomUuid } from "../uuid.ts";

/**
 * One idempotency key per form instance (`web-` and a random UUID): a double
 * submit, or a retry after an error or a lost answer, applies once. The key
 * lasts as long as the form; every form that sends one is left after it succeeds.
 */
export function useIdempotencyKey(): string {
  const [key] = useState(() => `web-${randomUuid()}`);
  return key;
}
