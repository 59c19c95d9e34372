import { z } from "zod";
import { zMutation, zScope, zText } from "../common-schemas.ts";
import { zGuid } from "./schemas.ts";

/** What the directory names: the services and companies billing automations refer to by id. */
export const DIRECTORY_KINDS = ["service", "company"] as const;
export type DirectoryKind = (typeof DIRECTORY_KINDS)[number];
export const zDirectoryKind = z.enum(DIRECTORY_KINDS);

/** The most entries one directory answer holds. */
export const DIRECTORY_MAX_LIMIT = 500;

/**
 * The services and companies the tenant knows: those its automations use and
 * those an admin named. Named ones first, by name; then unnamed ones by id.
 */
export const listDirectoryInput = z
  .strictObject({
    ...zScope,
    kind: zDirectoryKind.optional(),
    limit: z.number().int().min(1).max(DIRECTORY_MAX_LIMIT).default(200),
  })
  .default({ limit: 200 });

export const directoryEntryOutput = z.object({
  kind: zDirectoryKind,
  id: z.string(),
  /** Null when no admin named it yet (the dashboard shows the id). */
  name: z.string().nullable(),
  /** How many of the tenant's automations use it. */
  automations: z.number().int(),
});
export type DirectoryEntry = z.infer<typeof directoryEntryOutput>;

export const directoryOutput = z.object({
  entries: z.array(directoryEntryOutput),
  /** More entries exist than `limit`. */
  truncated: z.boolean(),
});

/** Names a service or company (adds it to the directory, or renames it). */
export const setDirectoryNameInput = z.strictObject({
  ...zMutation,
  kind: zDirectoryKind,
  id: zGuid,
  name: zText(200)
    .transform((s) => s.trim())
    .pipe(z.string().min(1, { error: "must not be empty" })),
});

/** Removes a name; an id still used by an automation stays known, unnamed. */
export const removeDirectoryNameInput = z.strictObject({
  ...zMutation,
  kind: zDirectoryKind,
  id: zGuid,
});
