import pino from "pino";
import pretty from "pino-pretty";

/** Readable lines on a terminal (not under CI); JSON lines otherwise. */
export const prettyLogs = (tty: boolean, ci: string | undefined) => tty && !ci;

/** Per-request log lines: as HOLDFAST_LOG_REQUESTS says (1 or 0); unset, on except on a terminal. */
export const requestLogsWanted = (setting: string | undefined, tty = process.stdout.isTTY === true) =>
  setting === undefined ? !tty : setting === "1";

export function createLogger(name: string, level = "info") {
  // Written synchronously, so lines keep their order with console output (the start banner).
  if (prettyLogs(process.stdout.isTTY === true, process.env.CI))
    return pino({ name, level }, pretty({ colorize: true, ignore: "pid,hostname", singleLine: true, sync: true }));
  return pino({ name, level });
}
