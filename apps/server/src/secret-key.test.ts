/**
 * `npm start`'s webhook secret key: made on the first start in the data
 * directory (owner-only), the same on every start after, and a valid
 * HOLDFAST_SECRET_KEY that seals and opens secrets.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseSecretKey, secretBox } from "@holdfast/services";
import { afterAll, expect, it } from "vitest";
import { dataDirSecretKey } from "./secret-key.ts";

const base = mkdtempSync(path.join(os.tmpdir(), "holdfast-secret-key-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

it("makes a key on the first start, owner-only, and keeps it across starts", () => {
  const dataDir = path.join(base, "data");
  const first = dataDirSecretKey(dataDir);
  expect(statSync(path.join(dataDir, "secret-key")).mode & 0o777).toBe(0o600);
  expect(dataDirSecretKey(dataDir)).toBe(first);
  const key = parseSecretKey(first);
  expect(key?.length).toBe(32);
  const box = secretBox(key as Buffer);
  expect(box.open(box.seal("whsec_x"))).toBe("whsec_x");
  expect(dataDirSecretKey(path.join(base, "other"))).not.toBe(first);
});
