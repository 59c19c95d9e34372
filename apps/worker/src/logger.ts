import pino from "pino";
import pretty from "pino-pretty";

/** Readable lines on a terminal (not under CI); JSON lines otherwise. */
export function createWorkerLogger(level: string) {
  if (process.stdout.isTTY && !process.env.CI) {
    return pino(
      { name: "holdfast-worker", level },
      pretty({ colorize: true, ignore: "pid,hostname", singleLine: true, sync: true }),
    );
  }
  return pino({ name: "holdfast-worker", level });
}
