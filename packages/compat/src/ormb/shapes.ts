import {
  type FieldIssue,
  HOLD_PROCESSES,
  type HoldOutput,
  type HoldProcess,
  ORMB_PROCESS_CODES,
  ruleCheck,
  ruleIssue,
  zBusinessDate,
  zIdempotencyKey,
  zText,
} from "@holdfast/domain";
import { z } from "zod";

/**
 * The ORMB hold-request envelope (seeds/002) and its mapping onto our hold.
 *
 *  - `holdRequestId` is the hold's ORMB id: digits, unique in the tenant
 *    (`10000252262623`), given by `create` or taken from a sequence; the
 *    hold's locator (a ULID) is accepted too wherever one is sent. `create`
 *    may send one: a client migrating its open holds keeps their ids.
 *  - `entityId` is the hold's account: its external id or its locator.
 *  - `holdProcessData` (one object, or several: the lenient reader turns the
 *    repeated key into an array, and an array is accepted as such) are the
 *    targets: BILL invoicing, DLNQ delinquency, FNDG funding, ATPY autopay,
 *    OVDU overdue, REFD refund, each with `holdProcessStartDate` and
 *    `holdProcessEndDate` (YYYY-MM-DD, optional). A process is named once.
 *  - `characteristics` (one or several) carry `action` (Update upserts one by
 *    `characteristicType`, Delete removes it), `characteristicType`,
 *    `characteristicValue` and `effectiveDate`.
 *  - `holdComments` are the comments; `holdStartDate`/`holdEndDate` the hold's dates.
 *  - `entityEndDate`: the date the entity's hold ends. Our hold has one
 *    entity, so it is the hold's end date when `holdEndDate` is not sent;
 *    when both are sent `holdEndDate` wins. Either way it is stored as sent
 *    and read back.
 *  - `sourceSystem`, `externalSourceId` are stored on create and on update;
 *    `externalTransactionId` is stored on create, and is the idempotency key
 *    of the create or update it comes with: every field the request applies
 *    is bound to it, so the same id with another body is a Failure.
 *  - A characteristic Delete names one the hold has (by type, and by value
 *    and effective date when sent); one it does not have is a Failure.
 *
 * Every field is a string (ids too, as in the samples); `null` is refused,
 * and so are fields not listed here (400 naming them).
 */

export const ORMB_CODES = ["BILL", "DLNQ", "FNDG", "ATPY", "OVDU", "REFD"] as const;
export type OrmbProcessCode = (typeof ORMB_CODES)[number];

const PROCESS_BY_CODE = Object.fromEntries(HOLD_PROCESSES.map((p) => [ORMB_PROCESS_CODES[p], p])) as Record<
  OrmbProcessCode,
  HoldProcess
>;
export const processOf = (code: OrmbProcessCode): HoldProcess => PROCESS_BY_CODE[code];
export const codeOf = (process: HoldProcess) => ORMB_PROCESS_CODES[process] as OrmbProcessCode;

/** One object or a list of them (what a repeated key reads as); always a list after parsing. */
function oneOrMany<T extends z.ZodType>(item: T, max: number) {
  return z.preprocess((v) => (v === undefined || Array.isArray(v) ? v : [v]), z.array(item).min(1).max(max));
}

const zHoldProcessData = z.strictObject({
  holdProcess: z.enum(ORMB_CODES, { error: `must be one of ${ORMB_CODES.join(", ")}` }),
  holdProcessStartDate: zBusinessDate.optional(),
  holdProcessEndDate: zBusinessDate.optional(),
});
export type OrmbHoldProcessData = z.infer<typeof zHoldProcessData>;

const zProcessList = oneOrMany(zHoldProcessData, ORMB_CODES.length).superRefine((list, ctx) => {
  list.forEach((p, i) => {
    if (list.findIndex((o) => o.holdProcess === p.holdProcess) !== i) {
      ruleIssue(ctx, {
        path: [i, "holdProcess"],
        rule: "duplicate_target",
        message: `${p.holdProcess} is named twice`,
      });
    }
  });
});

const zCharacteristicEntry = z.strictObject({
  action: z.enum(["Update", "Delete"], { error: "must be Update or Delete" }),
  characteristicType: zText(60).min(1),
  characteristicValue: zText(254).optional(),
  effectiveDate: zBusinessDate.optional(),
});
export type OrmbCharacteristic = z.infer<typeof zCharacteristicEntry>;

const externalIds = {
  sourceSystem: zText(60).optional(),
  externalTransactionId: zIdempotencyKey.max(120).optional(),
  externalSourceId: zText(120).optional(),
};

/** An ORMB id we look up: any bounded text (digits: the ORMB id; a ULID: the locator; else not found). */
const zRequestId = zText(120).min(1);

/** An ORMB id `create` may carry: digits, a whole number up to 2^53 - 1. */
export const ORMB_ID_RE = /^[1-9][0-9]{0,15}$/;
const zNewRequestId = z
  .string()
  .refine(
    (v) => ORMB_ID_RE.test(v) && Number(v) <= Number.MAX_SAFE_INTEGER,
    ruleCheck("ormb_id", "must be a numeric hold request id: digits, no leading zero, at most 9007199254740991"),
  );

export const zUpdateHoldRequest = z.strictObject({
  ...externalIds,
  holdRequestId: zRequestId,
  holdComments: zText(2000).optional(),
  holdEndDate: zBusinessDate.optional(),
  entityId: zText(120).min(1).optional(),
  entityEndDate: zBusinessDate.optional(),
  holdProcessData: zProcessList.optional(),
  characteristics: oneOrMany(zCharacteristicEntry, 50).optional(),
});
export type UpdateHoldRequest = z.infer<typeof zUpdateHoldRequest>;

export const zCreateHoldRequest = z.strictObject({
  ...externalIds,
  holdRequestId: zNewRequestId.optional(),
  holdComments: zText(2000).optional(),
  holdStartDate: zBusinessDate.optional(),
  holdEndDate: zBusinessDate.optional(),
  entityId: zText(120).min(1),
  entityEndDate: zBusinessDate.optional(),
  holdProcessData: zProcessList,
  characteristics: oneOrMany(
    zCharacteristicEntry.refine(
      (c) => c.action === "Update",
      ruleCheck("update_only", "a new hold request can only Update (add) characteristics", ["action"]),
    ),
    50,
  ).optional(),
});
export type CreateHoldRequest = z.infer<typeof zCreateHoldRequest>;

export const zReadHoldRequest = z.strictObject({ holdRequestId: zRequestId });

/** Each route's envelope: the one member naming the request, in the request and in the answer. */
export const ENVELOPES = {
  update: { key: "UpdateHoldRequest", schema: zUpdateHoldRequest },
  create: { key: "CreateHoldRequest", schema: zCreateHoldRequest },
  read: { key: "ReadHoldRequest", schema: zReadHoldRequest },
} as const;
export type EnvelopeKind = keyof typeof ENVELOPES;

/**
 * Repeated members in an answer: a single entry is written as an object and
 * several as an array (JSON cannot repeat a key); none leaves the member out.
 * That is how the lenient reader reads the samples' repeated keys back.
 */
export function oneOrList<T>(list: readonly T[] | undefined): T | T[] | undefined {
  if (!list || list.length === 0) return undefined;
  return list.length === 1 ? list[0] : [...list];
}

/** The answer's member order: the samples'. Members not in the request are left out. */
const ECHO_ORDER = [
  "sourceSystem",
  "externalTransactionId",
  "externalSourceId",
  "holdRequestId",
  "holdRequestStatus",
  "holdComments",
  "holdStartDate",
  "holdEndDate",
  "entityId",
  "entityEndDate",
  "holdProcessData",
  "characteristics",
] as const;

export type EnvelopeFields = Partial<Record<(typeof ECHO_ORDER)[number], unknown>>;

/**
 * The answer envelope: `requestProcessStatus` first, the fields in the
 * samples' order, `errormsg` last on a Failure. `issues` (our extension)
 * follows when a Failure has field-level problems: `{ path, rule, message }`,
 * the path in the envelope's own names (`holdProcessData[FNDG].holdProcessEndDate`).
 */
export function envelope(
  kind: EnvelopeKind,
  status: "Success" | "Failure",
  fields: EnvelopeFields,
  failure?: { errormsg: string; issues?: FieldIssue[] },
) {
  const body: Record<string, unknown> = { requestProcessStatus: status };
  for (const key of ECHO_ORDER) {
    const value =
      key === "holdProcessData" || key === "characteristics" ? oneOrList(fields[key] as unknown[]) : fields[key];
    if (value !== undefined && value !== null) body[key] = value;
  }
  if (failure) {
    body.errormsg = failure.errormsg;
    if (failure.issues?.length) body.issues = failure.issues;
  }
  return { [ENVELOPES[kind].key]: body };
}

/** A hold as the read envelope shows it. */
export function holdEnvelopeFields(hold: HoldOutput, entityId: string): EnvelopeFields {
  return {
    sourceSystem: hold.sourceSystem,
    externalTransactionId: hold.externalTransactionId,
    externalSourceId: hold.externalSourceId,
    holdRequestId: String(hold.ormbId),
    holdRequestStatus: hold.holdState,
    holdComments: hold.comments,
    holdStartDate: hold.startDate,
    holdEndDate: hold.endDate,
    entityId,
    entityEndDate: hold.entityEndDate,
    holdProcessData: hold.targets.map((t) =>
      dropNulls({ holdProcess: codeOf(t.process), holdProcessStartDate: t.startDate, holdProcessEndDate: t.endDate }),
    ),
    characteristics: hold.characteristics.map((c) =>
      dropNulls({ characteristicType: c.type, characteristicValue: c.value, effectiveDate: c.effectiveDate }),
    ),
  };
}

function dropNulls<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as Partial<T>;
}

/**
 * A domain path in the envelope's names. Input paths (`targets[1].endDate`
 * from the shared schema) index the request's list; rule paths from the
 * services index the hold's targets in process order, so `processes` (the
 * hold's, in that order) turns them into `holdProcessData[FNDG]`.
 */
export function ormbPath(path: string, processes?: readonly HoldProcess[]): string {
  const renamed = path
    .replace(/^idempotencyKey/, "externalTransactionId")
    .replace(/^ormbId/, "holdRequestId")
    .replace(/^tenantLocator/, "X-Tenant-Locator")
    .replace(/^accountLocator/, "entityId")
    .replace(/^startDate/, "holdStartDate")
    .replace(/^endDate/, "holdEndDate")
    .replace(/^comments/, "holdComments")
    .replace(/^(characteristics\[\d+\])\.type/, "$1.characteristicType")
    .replace(/^(characteristics\[\d+\])\.value/, "$1.characteristicValue")
    .replace(/^targets(\[(\d+)\])?(\.(process|startDate|endDate))?/, (_m, idx, index, _f, field) => {
      const named =
        idx === undefined
          ? ""
          : processes
            ? `[${(processes[Number(index)] && codeOf(processes[Number(index)] as HoldProcess)) ?? index}]`
            : idx;
      const fieldName = field
        ? `.${{ process: "holdProcess", startDate: "holdProcessStartDate", endDate: "holdProcessEndDate" }[field as string]}`
        : "";
      return `holdProcessData${named}${fieldName}`;
    });
  return renamed;
}

export function ormbIssues(issues: readonly FieldIssue[], processes?: readonly HoldProcess[]): FieldIssue[] {
  return issues.map((i) => ({ ...i, path: ormbPath(i.path, processes) }));
}

/** The hold's processes after these targets are added, in the order the services index them. */
export function processOrder(processes: Iterable<HoldProcess>): HoldProcess[] {
  const set = new Set(processes);
  return HOLD_PROCESSES.filter((p) => set.has(p));
}
