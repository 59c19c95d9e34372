import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { z } from "zod";

/**
 * Socotra's own client schemas for Billing Holds, the oracle of the Socotra
 * tests. `@socotra/ec-react-schemas` 2.16.1 defines `HoldResponse`,
 * `HoldCreateRequest` and `HoldUpdateRequest` (and the hold's
 * `ValidationResult`) as zod objects, but exports none of them (its 364
 * exports hold no hold schema; the definitions stay in its bundle unnamed),
 * and it is built on zod 3 (peer `zod@^3.23.8`, bundled into its dist) while
 * this repository uses zod 4. So the shapes are mirrored here, member by
 * member, and {@link SOCOTRA_SOURCE} holds the package's own text of each:
 * the tests check that the installed package still contains exactly that
 * text, so the mirror cannot drift from the package.
 *
 * Like every zod 3 `object`, these strip unknown keys: a Socotra client
 * accepts extra fields and refuses a missing, null or mistyped required one.
 */

const zValidationItem = z.object({
  elementType: z.string(),
  locator: z.string().optional(),
  errors: z.array(z.string()),
});
export const ValidationResult = z.object({ validationItems: z.array(zValidationItem), success: z.boolean() });

export const HoldResponse = z.object({
  locator: z.string(),
  accountLocator: z.string(),
  targetType: z.union([z.literal("invoicing"), z.literal("delinquency")]),
  holdState: z.union([
    z.literal("draft"),
    z.literal("validated"),
    z.literal("active"),
    z.literal("discarded"),
    z.literal("released"),
  ]),
  createdAt: z.string(),
  updatedAt: z.string(),
  validationResult: ValidationResult.optional(),
});

export const HoldListResponse = z.object({ listCompleted: z.boolean(), items: z.array(HoldResponse) });

export const HoldCreateRequest = z.object({
  accountLocator: z.string(),
  targetType: z.union([z.literal("invoicing"), z.literal("delinquency")]),
});

export const HoldUpdateRequest = z.object({
  accountLocator: z.string().optional(),
  targetType: z.union([z.literal("invoicing"), z.literal("delinquency")]).optional(),
});

/** The package's own definitions (its dist/index.es.js, minified names as shipped), mirrored above. */
export const SOCOTRA_SOURCE = {
  validationResult: `e.object({
  elementType: e.string(),
  locator: e.string().optional(),
  errors: e.array(e.string())
}), ot = e.object({
  validationItems: e.array(Du),
  success: e.boolean()
})`,
  holdResponse: `e.object({
  locator: e.string(),
  accountLocator: e.string(),
  targetType: e.union([e.literal("invoicing"), e.literal("delinquency")]),
  holdState: e.union([
    e.literal("draft"),
    e.literal("validated"),
    e.literal("active"),
    e.literal("discarded"),
    e.literal("released")
  ]),
  createdAt: e.string(),
  updatedAt: e.string(),
  validationResult: ot.optional()
})`,
  holdCreateAndUpdateRequest: `e.object({
  accountLocator: e.string(),
  targetType: e.union([e.literal("invoicing"), e.literal("delinquency")])
}), uu = e.object({
  accountLocator: e.string().optional(),
  targetType: e.union([e.literal("invoicing"), e.literal("delinquency")]).optional()
})`,
};

/** The installed package's bundle, as text. */
export function socotraBundle(): string {
  const umd = createRequire(import.meta.url).resolve("@socotra/ec-react-schemas");
  return readFileSync(umd.replace(/index\.umd\.js$/, "index.es.js"), "utf8");
}

/** The package's exports, loaded for real (its bundle carries its own zod 3). */
export async function socotraExports(): Promise<string[]> {
  return Object.keys(await import("@socotra/ec-react-schemas"));
}

/** Parses a Socotra answer with Socotra's schema; the error names every problem. */
export function expectSocotra<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new Error(`not a Socotra ${schema.description ?? "value"}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
