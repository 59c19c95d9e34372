/**
 * API load over real HTTP: each client, on an account of its own, takes holds
 * one after another through create → validate → activate → release (tRPC
 * POSTs with a bearer token). Every write carries an idempotency key and the
 * expected version, and is retried with the same key until it is acknowledged
 * (a 2xx answer), as a careful client would during an outage; so each step
 * takes effect exactly once whatever happened to earlier attempts.
 *
 * Every answer (status, body, timing) and every acknowledged write (locator,
 * resulting state and version) is recorded for the test to check.
 */

export interface Answer {
  client: number;
  path: string;
  /** When the request was sent and when its answer (or failure) came, in Date.now() ms. */
  sentAt: number;
  doneAt: number;
  /** HTTP status, or 0 when no answer came (connection refused or reset, timeout). */
  status: number;
  body: string;
  /** The transport error when status is 0. */
  error?: string;
}

export interface Ack {
  client: number;
  /** The n-th hold of the client, and the step (0 create … 3 release). */
  hold: number;
  step: number;
  path: string;
  locator: string;
  state: string;
  version: number;
  at: number;
}

export const STEPS = ["create", "validate", "activate", "release"] as const;
const STATE_AFTER: Record<(typeof STEPS)[number], string> = {
  create: "draft",
  validate: "validated",
  activate: "active",
  release: "released",
};

export interface LoadOptions {
  baseUrl: string;
  token: string;
  accounts: string[];
  /** A request that has not been answered after this long counts as no answer. */
  requestTimeoutMs?: number;
  /** Pause before a retry. */
  retryDelayMs?: number;
  /** Give up on a step after this long (the test then fails). */
  stepDeadlineMs?: number;
}

export class HoldLoad {
  readonly answers: Answer[] = [];
  readonly acks: Ack[] = [];
  /** Anything a client should never see (a 4xx, an answer that contradicts the request); the test asserts it empty. */
  readonly problems: string[] = [];
  /** Holds each client has taken all the way to released, with the time the last step was acknowledged. */
  readonly completed: { client: number; locator: string; at: number }[] = [];
  private stopping = false;
  private runs: Promise<void>[] = [];

  constructor(private readonly opts: LoadOptions) {}

  start() {
    this.runs = this.opts.accounts.map((account, client) => this.client(client, account));
  }

  /** Lets each client finish the hold it is on (every step acknowledged), then resolves. */
  async stop() {
    this.stopping = true;
    await Promise.all(this.runs);
  }

  private async client(client: number, account: string) {
    try {
      for (let hold = 0; !this.stopping; hold++) {
        const key = (step: number) => `faults-${client}-${hold}-${STEPS[step]}`;
        const created = await this.write(client, hold, 0, {
          idempotencyKey: key(0),
          accountLocator: account,
          targets: [{ process: "invoicing" }],
          comments: `load client ${client}, hold ${hold}`,
        });
        let version = created.version;
        for (let step = 1; step < STEPS.length; step++) {
          const moved = await this.write(client, hold, step, {
            idempotencyKey: key(step),
            locator: created.locator,
            expectedVersion: version,
          });
          if (moved.locator !== created.locator)
            this.problems.push(`client ${client}: ${STEPS[step]} answered another hold`);
          version = moved.version;
        }
        this.completed.push({ client, locator: created.locator, at: Date.now() });
      }
    } catch (e) {
      this.problems.push(`client ${client} gave up: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** One step, retried with the same key and body until acknowledged. */
  private async write(client: number, hold: number, step: number, input: Record<string, unknown>) {
    const name = STEPS[step] ?? "create";
    const path = `holds.${name}`;
    const deadline = Date.now() + (this.opts.stepDeadlineMs ?? 90_000);
    for (;;) {
      const answer = await this.post(client, path, input);
      if (answer.status >= 200 && answer.status < 300) {
        const out = (
          JSON.parse(answer.body) as { result: { data: { locator: string; holdState: string; version: number } } }
        ).result.data;
        if (out.holdState !== STATE_AFTER[name]) {
          this.problems.push(`client ${client}: ${path} acknowledged with state ${out.holdState}`);
        }
        this.acks.push({
          client,
          hold,
          step,
          path,
          locator: out.locator,
          state: out.holdState,
          version: out.version,
          at: answer.doneAt,
        });
        return out;
      }
      if (answer.status >= 400 && answer.status < 500) {
        // A retry with the same key and body must never be refused: the first attempt either changed nothing or its answer is stored.
        this.problems.push(`client ${client}: ${path} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
        throw new Error(`${path} answered ${answer.status}`);
      }
      if (Date.now() > deadline) throw new Error(`${path} was not acknowledged in time`);
      await new Promise((r) => setTimeout(r, this.opts.retryDelayMs ?? 100));
    }
  }

  private async post(client: number, path: string, input: unknown): Promise<Answer> {
    const sentAt = Date.now();
    let answer: Answer;
    try {
      const res = await fetch(`${this.opts.baseUrl}/trpc/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${this.opts.token}` },
        body: JSON.stringify(input),
        signal: AbortSignal.timeout(this.opts.requestTimeoutMs ?? 30_000),
      });
      answer = { client, path, sentAt, doneAt: Date.now(), status: res.status, body: await res.text() };
    } catch (e) {
      const error = e instanceof Error ? `${e.name}: ${e.message}${e.cause ? ` (${String(e.cause)})` : ""}` : String(e);
      answer = { client, path, sentAt, doneAt: Date.now(), status: 0, body: "", error };
    }
    this.answers.push(answer);
    return answer;
  }
}
