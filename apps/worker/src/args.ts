import { parseArgs } from "node:util";

/**
 * The worker's command line. A leading `--` is dropped: `pnpm --filter
 * @holdfast/worker start -- --interval-ms 2000` passes it through to node.
 */
export function parseWorkerArgs(argv: string[]) {
  const args = argv[0] === "--" ? argv.slice(1) : argv;
  const { values } = parseArgs({
    args,
    options: { once: { type: "boolean" }, now: { type: "string" }, "interval-ms": { type: "string" } },
  });
  return values;
}
