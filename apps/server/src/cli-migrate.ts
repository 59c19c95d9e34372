/**
 * `holdfast migrate`: applies the committed migrations (as a role that may
 * create objects: the schema's owner) and says what it applied, or that the
 * schema is current. A missing right or extension is one line naming the SQL
 * an administrator must run, and exit code 1.
 */
import { applyPendingMigrations, MigrationStepError } from "@holdfast/db";
import type { CliIo } from "./cli-commands.ts";

export async function runMigrateCommand(
  argv: readonly string[],
  url: string,
  io: Pick<CliIo, "out" | "err">,
  directUrl?: string,
): Promise<number> {
  if (argv.length !== 1) {
    io.err("error: migrate takes no arguments");
    return 2;
  }
  try {
    const { applied, committed } = await applyPendingMigrations(url, { directUrl });
    if (applied.length) {
      io.out(`applied ${applied.length} migration(s): ${applied.join(", ")}`);
    } else {
      io.out(`the schema is current (${committed.length} migrations, the last ${committed.at(-1)?.tag ?? "none"})`);
    }
    return 0;
  } catch (e) {
    if (!(e instanceof MigrationStepError)) throw e;
    io.err(e.message);
    return 1;
  }
}
