/**
 * The retention commands of the operator CLI (see cli-commands.ts):
 *   audit-archive --before YYYY-MM [--out DIR] [--drop]
 *     each monthly audit partition entirely before that month goes to
 *     DIR/audit-YYYY-MM.jsonl.gz (default: the current directory), its line
 *     count is checked, and it is detached; the detached table stays until
 *     dropped (the command prints how), or at once with --drop.
 *   audit-partitions [--months N]
 *     creates the audit partitions for the current and next N months (default
 *     3), as the worker does each tick; for a worker whose role may not.
 */
import path from "node:path";
import { AUDIT_PARTITION_MONTHS_AHEAD, archiveAuditMonths, CLI_ACTOR, ensureAuditPartitions } from "@holdfast/services";
import { z } from "zod";
import { type CliDeps, UsageError } from "./cli-commands.ts";

type Values = Record<string, string | boolean | undefined>;

export async function auditArchiveCommand(values: Values, deps: CliDeps) {
  const outDir = path.resolve((values.out as string | undefined) ?? ".");
  const archived = await archiveAuditMonths(
    { db: deps.db, clock: deps.clock, actor: CLI_ACTOR },
    { before: values.before as string, outDir, drop: values.drop === true },
  );
  if (archived.length === 0) {
    deps.io.err(`no audit partition before ${values.before} is attached: nothing to archive`);
    return;
  }
  deps.io.out(JSON.stringify(archived, null, 2));
  const kept = archived.flatMap((a) => (a.detachedTable ? [a.detachedTable] : []));
  if (kept.length) {
    deps.io.err(
      `Detached, not dropped. Once the files are stored safely, drop them with:\n  ${kept.map((t) => `DROP TABLE ${t};`).join("\n  ")}`,
    );
  }
}

const zMonths = z.coerce.number().int().min(0).max(24);

export async function auditPartitionsCommand(values: Values, deps: CliDeps) {
  const months = zMonths.safeParse(values.months ?? AUDIT_PARTITION_MONTHS_AHEAD);
  if (!months.success) throw new UsageError("--months must be a whole number from 0 to 24");
  const created = await ensureAuditPartitions(deps.db, deps.clock.now(), months.data);
  deps.io.out(JSON.stringify({ created }, null, 2));
}
