/**
 * Malformed inputs, generated with fast-check from a seed: bad values (wrong
 * types, huge strings, deep nesting, odd unicode, boundary numbers), valid
 * inputs with one or more fields replaced, removed or added, wrong top-level
 * shapes, and JSON texts that do not parse. Values that JSON cannot carry
 * (Infinity, -0) are written as the JSON texts that parse back to them
 * (`1e999`, `-0`), so what the server parses is exactly what was generated.
 */
import fc from "fast-check";

// ---------------------------------------------------------------------------
// Building blocks.

export function nestedObject(depth: number, leaf: unknown = "leaf"): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}
export function nestedArray(depth: number, leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/** Strings of at least 100,000 UTF-16 code units, of several kinds. */
export const HUGE_STRINGS: readonly string[] = [
  "x".repeat(100_001),
  "🙂".repeat(50_001),
  "e\u0301".repeat(50_001),
  "\u202e\u200f".repeat(50_001),
  "01ARZ3NDEKTSV4RRFFQ69G5FAV".repeat(3_847),
  "2027-03-10".repeat(10_001),
  `${"a".repeat(99_999)}\u0000`,
  "\ud800".repeat(100_001),
  " ".repeat(100_001),
  "請求".repeat(50_001),
];

/** Unicode that trips naive handling: lone surrogates, NUL, bidi marks, zero-width, combining, emoji, look-alikes. */
export const ODD_UNICODE: readonly string[] = [
  "\ud800",
  "a\udfffb",
  "\udc00\ud800",
  "\u0000",
  "x\u0000y",
  "\u202eevil\u202c",
  "\u200f\u200e",
  "\u200b",
  "\ufeff",
  "\uffff\ufffe",
  "\u2028\u2029",
  "🙂",
  "👨‍👩‍👧‍👦",
  "🏳️‍🌈",
  "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇",
  "ｉｎｖｏｉｃｉｎｇ",
  "іnvoicing",
  "０１ARZ3NDEKTSV4RRFFQ69G5FA",
  "01ARZ3NDEKTSV4RRFFQ69G5FA\u0000",
  "7d1f3c2e-4b5a-4c6d-8e9f-0a1b2c3d4e5f\u200b",
  "",
  " ",
  "\t\n\r",
  "' or 1=1 --",
  "'; drop table holds; --",
  "$1",
  "%00",
  "\\u0000",
  "../../etc/passwd",
  "<script>alert(1)</script>",
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
  "ـــ",
  "\u0301",
];

/** Numbers at and past the edges, and numbers written as strings. */
export const BOUNDARY_NUMBERS: readonly unknown[] = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  2 ** 53 + 1,
  -(2 ** 53 + 1),
  1e308,
  -1e308,
  5e-324,
  -1,
  -100,
  0,
  0.5,
  1.5,
  2 ** 31,
  2 ** 31 - 1,
  -(2 ** 31) - 1,
  2 ** 32,
  2 ** 63,
  1e21,
  "NaN",
  "Infinity",
  "-Infinity",
  "-0",
  "1e308",
  "9007199254740993",
  "-1",
  "0x10",
  "1_000",
  "12abc",
  " 10 ",
];

/** Markers the wire encoder writes as the JSON text for these numbers. */
const WIRE_NUMBER = (n: number): string => {
  if (Number.isNaN(n)) return '"NaN"';
  if (n === Number.POSITIVE_INFINITY) return "1e999";
  if (n === Number.NEGATIVE_INFINITY) return "-1e999";
  if (Object.is(n, -0)) return "-0";
  return JSON.stringify(n);
};

/** The huge strings come back again and again: their JSON is written once. */
const bigJson = new Map<string, string>();
function bigStringJson(s: string): string {
  let json = bigJson.get(s);
  if (json === undefined) {
    json = JSON.stringify(s);
    if (bigJson.size < 64) bigJson.set(s, json);
  }
  return json;
}

/**
 * JSON text of a value, iteratively (nesting thousands deep must not blow
 * the stack), with the numbers JSON.stringify cannot write written so they
 * parse back to themselves. Lone surrogates are escaped by JSON.stringify.
 */
export function toJsonText(value: unknown): string {
  const out: string[] = [];
  const stack: unknown[] = [{ v: value }];
  const CLOSE_OBJ = Symbol("}");
  const CLOSE_ARR = Symbol("]");
  const COMMA = Symbol(",");
  while (stack.length) {
    const item = stack.pop();
    if (item === CLOSE_OBJ) out.push("}");
    else if (item === CLOSE_ARR) out.push("]");
    else if (item === COMMA) out.push(",");
    else if (typeof item === "string") out.push(item);
    else {
      const v = (item as { v: unknown }).v;
      if (v === null || v === undefined) out.push("null");
      else if (typeof v === "number") out.push(WIRE_NUMBER(v));
      else if (typeof v === "string") out.push(v.length >= 10_000 ? bigStringJson(v) : JSON.stringify(v));
      else if (typeof v === "boolean") out.push(String(v));
      else if (typeof v === "bigint") out.push(v.toString());
      else if (Array.isArray(v)) {
        out.push("[");
        stack.push(CLOSE_ARR);
        for (let i = v.length - 1; i >= 0; i--) {
          stack.push({ v: v[i] });
          if (i > 0) stack.push(COMMA);
        }
      } else if (typeof v === "object") {
        const entries = Object.entries(v as object).filter(([, x]) => x !== undefined);
        out.push("{");
        stack.push(CLOSE_OBJ);
        for (let i = entries.length - 1; i >= 0; i--) {
          const [k, x] = entries[i] as [string, unknown];
          stack.push({ v: x });
          stack.push(`${JSON.stringify(k)}:`);
          if (i > 0) stack.push(COMMA);
        }
      } else out.push("null");
    }
  }
  return out.join("");
}

// ---------------------------------------------------------------------------
// Arbitraries.

const hugeString = fc.constantFrom(...HUGE_STRINGS);
const oddString = fc.oneof(
  fc.constantFrom(...ODD_UNICODE),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme-composite", maxLength: 20 }),
  fc.string({ unit: "binary-ascii", maxLength: 40 }),
);
const deep = fc
  .record({ depth: fc.integer({ min: 200, max: 3_000 }), kind: fc.constantFrom("object", "array", "mixed") })
  .map(({ depth, kind }) =>
    kind === "object"
      ? nestedObject(depth)
      : kind === "array"
        ? nestedArray(depth)
        : nestedArray(depth >> 1, nestedObject(depth >> 1)),
  );
const wrongType = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, 1, "", [], {}, [null], [{}], { "": "" }, [[]]),
  fc.anything({ maxDepth: 3, maxKeys: 4, withNullPrototype: false }),
  fc.array(fc.oneof(fc.integer(), fc.string()), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
);
const boundary = fc.oneof(
  fc.constantFrom(...BOUNDARY_NUMBERS),
  fc.double(),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
);
/** Many items: lists far past any documented limit. */
const longList = fc
  .record({
    n: fc.integer({ min: 101, max: 2_000 }),
    item: fc.constantFrom<unknown>(1, "x", null, {}, "01ARZ3NDEKTSV4RRFFQ69G5FAV"),
  })
  .map(({ n, item }) => Array.from({ length: n }, () => item));

export interface BadValueOptions {
  /** Allow ≥100k-character strings (not in URLs: they could not be sent as one). */
  huge: boolean;
  /** Allow nesting thousands deep (not in URLs, for the same reason). */
  deepMax?: number;
}

/** One bad value of any kind. */
export function badValue(opts: BadValueOptions): fc.Arbitrary<unknown> {
  const deepArb =
    opts.deepMax === undefined
      ? deep
      : fc
          .integer({ min: 100, max: opts.deepMax })
          .chain((d) => fc.constantFrom(nestedArray(d), nestedObject(d), nestedArray(d >> 1, nestedObject(d >> 1))));
  return fc.oneof(
    { weight: 4, arbitrary: wrongType },
    { weight: opts.huge ? 2 : 0, arbitrary: hugeString },
    { weight: 2, arbitrary: deepArb },
    { weight: 4, arbitrary: oddString },
    { weight: 4, arbitrary: boundary },
    { weight: 1, arbitrary: longList },
  );
}

// ---------------------------------------------------------------------------
// Mutating a valid input.

type Path = (string | number)[];

/** Every place in a JSON value a mutation may touch, the root first (not deeper than 12 levels). */
export function pathsOf(value: unknown, skip: (path: Path) => boolean = () => false): Path[] {
  const out: Path[] = [[]];
  const walk = (v: unknown, path: Path) => {
    if (path.length >= 12) return;
    if (Array.isArray(v)) {
      for (const [i, x] of v.slice(0, 50).entries()) visit(x, [...path, i]);
    } else if (v && typeof v === "object") for (const [k, x] of Object.entries(v).slice(0, 50)) visit(x, [...path, k]);
  };
  const visit = (v: unknown, path: Path) => {
    if (skip(path)) return;
    out.push(path);
    walk(v, path);
  };
  walk(value, []);
  return out;
}

/** A shallow copy of a container (own "__proto__" keys stay own keys). */
const shallow = (v: unknown): Record<string | number, unknown> =>
  (Array.isArray(v) ? [...v] : { ...(v as object) }) as Record<string | number, unknown>;

/**
 * The value with `edit` applied to the container at `path`; only the
 * containers along the path are copied, so bad values (thousands deep) are
 * shared, never cloned or walked.
 */
function editAt(root: unknown, path: Path, edit: (container: Record<string | number, unknown>) => void): unknown {
  const copy = shallow(root);
  let node = copy;
  for (const seg of path) {
    const child = shallow(node[seg]);
    define(node, seg, child);
    node = child;
  }
  edit(node);
  return copy;
}

function setAt(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  return editAt(root, path.slice(0, -1), (c) => define(c, path[path.length - 1] as string | number, value));
}
function deleteAt(root: unknown, path: Path): unknown {
  if (path.length === 0) return undefined;
  const last = path[path.length - 1] as string | number;
  return editAt(root, path.slice(0, -1), (c) => {
    if (Array.isArray(c)) c.splice(Number(last), 1);
    else delete c[last];
  });
}
/** An own property even for "__proto__" (which plain assignment would not create). */
function define(node: Record<string | number, unknown>, key: string | number, value: unknown) {
  Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
}

export type Mutation =
  | { op: "replace"; at: number; value: unknown }
  | { op: "delete"; at: number }
  | { op: "add"; at: number; key: string; value: unknown }
  | { op: "whole"; value: unknown }
  | { op: "many"; steps: { at: number; value: unknown }[] };

const extraKey = fc.oneof(
  fc.constantFrom(
    "__proto__",
    "constructor",
    "zzUnknown",
    "tenantLocator",
    "idempotencyKey",
    "",
    " ",
    "locator\u0000",
    "🙂",
  ),
  fc.string({ maxLength: 12 }),
);

export function mutation(opts: BadValueOptions): fc.Arbitrary<Mutation> {
  const value = badValue(opts);
  const at = fc.nat();
  return fc.oneof(
    { weight: 8, arbitrary: fc.record({ op: fc.constant("replace" as const), at, value }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("delete" as const), at }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("add" as const), at, key: extraKey, value }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("whole" as const), value }) },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant("many" as const),
        steps: fc.array(fc.record({ at, value }), { minLength: 2, maxLength: 4 }),
      }),
    },
  );
}

/** Applies a mutation to a valid value; `skip` keeps some paths (e.g. credentials) out of reach. */
export function applyMutation(valid: unknown, m: Mutation, skip?: (path: Path) => boolean): unknown {
  const paths = pathsOf(valid, skip);
  const pick = (n: number) => paths[n % paths.length] as Path;
  switch (m.op) {
    case "whole":
      return m.value;
    case "replace":
      return setAt(valid, pick(m.at), m.value);
    case "delete":
      return deleteAt(valid, pick(m.at) ?? []);
    case "add": {
      // Into an object: the one at the path when it is one, else the root.
      const target = pick(m.at);
      let node: unknown = valid;
      for (const seg of target) node = (node as Record<string | number, unknown>)[seg];
      const base = node && typeof node === "object" && !Array.isArray(node) ? target : [];
      if (base.length === 0 && (!valid || typeof valid !== "object" || Array.isArray(valid))) return valid;
      return editAt(valid, base, (c) => define(c, m.key, m.value));
    }
    case "many":
      return m.steps.reduce<unknown>((acc, s) => {
        const ps = pathsOf(acc, skip).filter((p) => p.length > 0);
        return ps.length ? setAt(acc, ps[s.at % ps.length] as Path, s.value) : acc;
      }, valid);
  }
}

// ---------------------------------------------------------------------------
// Malformed JSON text.

/** Texts that are not JSON: cut off, with stray or missing characters, garbage, runaway brackets. */
export function malformedJson(validText: string): fc.Arbitrary<string> {
  const len = Math.max(validText.length, 1);
  return fc
    .oneof(
      fc.integer({ min: 0, max: len - 1 }).map((n) => validText.slice(0, n)),
      fc
        .record({
          at: fc.integer({ min: 0, max: len }),
          junk: fc.constantFrom("{", "}", "[", "]", ",", ":", '"', "\\", "'", "\u0000", "NaN", "undefined", "//", "/*"),
        })
        .map(({ at, junk }) => validText.slice(0, at) + junk + validText.slice(at)),
      fc.integer({ min: 0, max: len - 1 }).map((n) => validText.slice(0, n) + validText.slice(n + 1)),
      fc.constantFrom(
        "{",
        "}",
        "[",
        "nul",
        "tru",
        "undefined",
        "NaN",
        "Infinity",
        "{'a':1}",
        '{"a":1,}',
        '{"a" 1}',
        "{a:1}",
        '"unterminated',
        "\u0000",
        "\ufeff{}",
        "0x10",
        "01",
        "+1",
        ".5",
        "[1,]",
        '{"a":1}}',
        '{"a":"\\x41"}',
        '{"a":"\\u12"}',
      ),
      fc.integer({ min: 1_000, max: 100_000 }).map((n) => "[".repeat(n)),
      fc.integer({ min: 1_000, max: 20_000 }).map((n) => '{"a":'.repeat(n)),
      fc.string({ unit: "binary", minLength: 1, maxLength: 60 }),
    )
    .filter((text) => {
      // Empty means "no input" (not a malformed one), and UTF-8 decoding drops a leading BOM.
      if (text.trim() === "") return false;
      try {
        JSON.parse(text.replace(/^\ufeff/, ""));
        return false;
      } catch {
        return true;
      }
    });
}

/** A string seed from a name, so each procedure's run is reproducible and different. */
export function seedOf(name: string, base = 20_270_310): number {
  let h = base;
  for (const ch of name) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}

/** Percent-encodes a path segment byte by byte (never throws, even on lone surrogates). */
export function encodeSegment(s: string): string {
  let out = "";
  for (const byte of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
