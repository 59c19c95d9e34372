import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { newSecretKey } from "@holdfast/services";

/**
 * `npm start`'s HOLDFAST_SECRET_KEY when none is set: the one in the data
 * directory's `secret-key` file, made (readable by its owner only) on the
 * first start, so webhooks work out of the box and keep their secrets across restarts.
 */
export function dataDirSecretKey(dataDir: string): string {
  const file = path.join(dataDir, "secret-key");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const key = newSecretKey();
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: "wx" });
  return key;
}
