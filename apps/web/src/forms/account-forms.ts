import { zText } from "@holdfast/domain";
import { z } from "zod";

/** The new-account form: a name, and an optional external id (empty: none). */
export const accountForm = z.object({
  name: zText(200).trim().min(1, { error: "is required" }),
  externalId: zText(120)
    .trim()
    .transform((s) => s || null),
});
