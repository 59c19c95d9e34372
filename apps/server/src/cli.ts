/**
 * Operator commands.
 *   create-tenant --name NAME --email EMAIL --password PASSWORD [--time-zone Europe/Prague]
 * Creates a tenant, an admin user for the dashboard and an API token, in one step.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { closeDb, createDb } from "@holdfast/db";
import { isAppError } from "@holdfast/domain";
import { provisionTenant } from "@holdfast/services";
import { openDatabase } from "./database.ts";
import { readEnv } from "./env.ts";

const USAGE = "usage: holdfast create-tenant --name NAME --email EMAIL --password PASSWORD [--time-zone ZONE]";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: "string" },
    email: { type: "string" },
    password: { type: "string" },
    "time-zone": { type: "string" },
    help: { type: "boolean" },
  },
});

if (values.help || positionals[0] !== "create-tenant" || !values.name || !values.email || !values.password) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}

const env = readEnv();
// A running `npm start` leaves its embedded database's URL here; otherwise start the embedded database ourselves.
const urlFile = path.join(env.HOLDFAST_DATA_DIR, "database-url");
const running = !env.DATABASE_URL && existsSync(urlFile) ? readFileSync(urlFile, "utf8").trim() : undefined;
const database = running
  ? { url: running, stop: async () => undefined }
  : await openDatabase(env, (m) => console.error(m));
const db = createDb(database.url, { max: 2 });
try {
  const result = await provisionTenant(db, {
    name: values.name,
    email: values.email,
    password: values.password,
    ...(values["time-zone"] ? { timeZone: values["time-zone"] } : {}),
  });
  console.log(
    JSON.stringify({ tenantLocator: result.tenantId, userEmail: values.email, apiToken: result.token }, null, 2),
  );
} catch (e) {
  console.error(isAppError(e) ? `error: ${e.message}` : e);
  process.exitCode = 1;
} finally {
  await closeDb(db);
  await database.stop();
}
