/**
 * A tolerant JSON reader for the ORMB hold-request envelope.
 *
 * Real ORMB-style clients send what the vendor's own samples show
 * (seeds/002): the envelope is "JSON" produced from an XML-ish tag model, so
 *
 *  - a key may be REPEATED in one object (`"holdProcessData": {…}` twice).
 *    Repeated keys become an array of their values in the order sent:
 *    `{"a": 1, "a": 2}` reads as `{"a": [1, 2]}`, a third occurrence is
 *    appended. A key sent once keeps its plain value, so `"a": [1]` sent once
 *    stays `[1]` and `"a": [1], "a": 2` reads as `[[1], 2]`;
 *  - a TRAILING comma may close an object or array: `{"a": 1,}`, `[1, 2,]`;
 *  - the comma BETWEEN two members or two elements may be MISSING when a line
 *    break or other whitespace separates them: `{"a": 1 "b": 2}`, `[1 2]`;
 *  - whitespace between tokens is JSON5's: besides JSON's space, tab, CR and
 *    LF, the no-break space U+00A0 (the samples are indented with it, as text
 *    copied from a web page is), the other Unicode space separators, U+2028,
 *    U+2029, VT, FF and a byte-order mark.
 *
 * Nothing else is tolerated: comments, single quotes, unquoted keys, NaN or
 * Infinity, leading or doubled commas (`[,1]`, `[1,,2]`), raw control
 * characters inside strings, bad escapes, unterminated strings, anything after
 * the top-level value. Each of those is a {@link LenientJsonError} naming the
 * rule broken and where (offset, line, column), which the route answers with
 * 400. Nesting deeper than `maxDepth` (default 64) and texts longer than
 * `maxLength` characters (default 1 MiB) are refused the same way, so no input
 * can exhaust the stack or the heap.
 *
 * Strict JSON reads exactly as `JSON.parse` reads it (a property test checks
 * this), except that a repeated key collects its values instead of keeping
 * the last one.
 *
 * Why hand-written: the relaxed readers (json5, hjson, relaxed-json) build
 * plain objects, so a repeated key keeps one of its values or is refused:
 * the samples' second holdProcessData would be lost. The closest well-kept library is Microsoft's
 * jsonc-parser: its `parseTree` keeps every property node, repeated ones
 * included, and reports a missing comma as a recoverable `CommaExpected`
 * error, so it could do this job with a tree-to-value walk that refuses every
 * other error code (and `disallowComments`). It is not a dependency of this
 * package today; this reader is small, total, and tested in depth
 * (test/ormb-lenient-json.test.ts), which a switch would keep as its spec.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface LenientJsonOptions {
  /** Deepest nesting of objects and arrays allowed (default 64). */
  maxDepth?: number;
  /** Longest text accepted, in UTF-16 code units (default 1 MiB). */
  maxLength?: number;
}

export const LENIENT_JSON_DEFAULTS = { maxDepth: 64, maxLength: 1024 * 1024 } as const;

export type LenientJsonRule =
  | "max_size"
  | "max_depth"
  | "unexpected_end"
  | "unexpected_character"
  | "unterminated_string"
  | "control_character"
  | "bad_escape"
  | "bad_number"
  | "trailing_content";

export class LenientJsonError extends Error {
  readonly rule: LenientJsonRule;
  /** 0-based offset into the text. */
  readonly position: number;
  /** 1-based line and column of `position`. */
  readonly line: number;
  readonly column: number;

  constructor(rule: LenientJsonRule, what: string, text: string, position: number) {
    const { line, column } = lineAndColumn(text, position);
    super(`${what} at line ${line}, column ${column} (offset ${position})`);
    this.name = "LenientJsonError";
    this.rule = rule;
    this.position = position;
    this.line = line;
    this.column = column;
  }
}

function lineAndColumn(text: string, position: number) {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(position, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** Reads `text` as lenient JSON (see the module comment). Throws {@link LenientJsonError}. */
export function parseLenientJson(text: string, options: LenientJsonOptions = {}): JsonValue {
  const maxDepth = options.maxDepth ?? LENIENT_JSON_DEFAULTS.maxDepth;
  const maxLength = options.maxLength ?? LENIENT_JSON_DEFAULTS.maxLength;
  if (text.length > maxLength) {
    throw new LenientJsonError("max_size", `the text is longer than ${maxLength} characters`, "", 0);
  }
  let pos = 0;

  const fail = (rule: LenientJsonRule, what: string, at = pos): never => {
    throw new LenientJsonError(rule, what, text, at);
  };
  const describe = (at: number) => (at >= text.length ? "end of input" : `character ${JSON.stringify(text[at])}`);

  function skipWhitespace() {
    while (pos < text.length && isWhitespace(text.charCodeAt(pos))) pos++;
  }

  function parseValue(depth: number): JsonValue {
    skipWhitespace();
    if (pos >= text.length) return fail("unexpected_end", "expected a value but found end of input");
    const c = text[pos];
    if (c === "{") return parseObject(depth + 1);
    if (c === "[") return parseArray(depth + 1);
    if (c === '"') return parseString();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return parseNumber();
    if (text.startsWith("true", pos)) return literal("true", true);
    if (text.startsWith("false", pos)) return literal("false", false);
    if (text.startsWith("null", pos)) return literal("null", null);
    return fail("unexpected_character", `expected a value but found ${describe(pos)}`);
  }

  function literal<T extends JsonValue>(word: string, value: T): T {
    const next = text[pos + word.length];
    if (next !== undefined && /[0-9A-Za-z_$]/.test(next)) {
      return fail("unexpected_character", `expected a value but found ${describe(pos)}`);
    }
    pos += word.length;
    return value;
  }

  function parseNumber(): number {
    NUMBER_RE.lastIndex = pos;
    const m = NUMBER_RE.exec(text);
    if (!m) return fail("bad_number", "malformed number");
    const end = pos + m[0].length;
    // A number runs into the next token only through whitespace or punctuation: `01`, `1.`, `1e`, `12abc` are refused.
    const next = text[end];
    if (next !== undefined && /[0-9A-Za-z_.+-]/.test(next)) return fail("bad_number", "malformed number", pos);
    pos = end;
    return Number(m[0]);
  }

  function parseString(): string {
    const start = pos;
    pos++; // opening quote
    let out = "";
    let chunkStart = pos;
    while (true) {
      if (pos >= text.length) return fail("unterminated_string", "unterminated string", start);
      const code = text.charCodeAt(pos);
      if (code === 34) {
        out += text.slice(chunkStart, pos);
        pos++;
        return out;
      }
      if (code < 0x20) {
        return fail("control_character", "raw control character in a string (escape it)");
      }
      if (code === 92) {
        out += text.slice(chunkStart, pos);
        const e = text[pos + 1];
        if (e === undefined) return fail("unterminated_string", "unterminated string", start);
        if (e === "u") {
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9A-Fa-f]{4}$/.test(hex)) return fail("bad_escape", "\\u must be followed by four hex digits");
          out += String.fromCharCode(Number.parseInt(hex, 16));
          pos += 6;
        } else {
          const decoded = ESCAPES[e];
          if (decoded === undefined) return fail("bad_escape", `unknown escape \\${e}`);
          out += decoded;
          pos += 2;
        }
        chunkStart = pos;
        continue;
      }
      pos++;
    }
  }

  function enter(depth: number) {
    if (depth > maxDepth) fail("max_depth", `nesting deeper than ${maxDepth} levels`);
  }

  function parseArray(depth: number): JsonValue[] {
    enter(depth);
    pos++; // [
    const items: JsonValue[] = [];
    skipWhitespace();
    if (text[pos] === "]") {
      pos++;
      return items;
    }
    while (true) {
      items.push(parseValue(depth));
      const valueEnd = pos;
      skipWhitespace();
      const c = text[pos];
      if (c === ",") {
        pos++;
        skipWhitespace();
        if (text[pos] === "]") {
          pos++; // trailing comma
          return items;
        }
        continue;
      }
      if (c === "]") {
        pos++;
        return items;
      }
      if (c === undefined) return fail("unexpected_end", "unterminated array: expected , or ] but found end of input");
      // A missing comma: the next element starts after whitespace (a line break, in the samples).
      if (pos > valueEnd && startsValue(c)) continue;
      return fail("unexpected_character", `expected , or ] but found ${describe(pos)}`);
    }
  }

  function parseObject(depth: number): { [key: string]: JsonValue } {
    enter(depth);
    pos++; // {
    const obj: { [key: string]: JsonValue } = {};
    const repeated = new Set<string>();
    skipWhitespace();
    if (text[pos] === "}") {
      pos++;
      return obj;
    }
    while (true) {
      skipWhitespace();
      if (text[pos] !== '"') {
        if (pos >= text.length)
          return fail("unexpected_end", "unterminated object: expected a key but found end of input");
        return fail("unexpected_character", `expected a quoted key but found ${describe(pos)}`);
      }
      const key = parseString();
      skipWhitespace();
      if (text[pos] !== ":") {
        if (pos >= text.length) return fail("unexpected_end", "expected : but found end of input");
        return fail("unexpected_character", `expected : after key ${JSON.stringify(key)} but found ${describe(pos)}`);
      }
      pos++;
      const value = parseValue(depth);
      const valueEnd = pos;
      if (!Object.hasOwn(obj, key)) {
        define(obj, key, value);
      } else if (repeated.has(key)) {
        (obj[key] as JsonValue[]).push(value);
      } else {
        repeated.add(key);
        define(obj, key, [obj[key] as JsonValue, value]);
      }
      skipWhitespace();
      const c = text[pos];
      if (c === ",") {
        pos++;
        skipWhitespace();
        if (text[pos] === "}") {
          pos++; // trailing comma
          return obj;
        }
        continue;
      }
      if (c === "}") {
        pos++;
        return obj;
      }
      if (c === undefined) return fail("unexpected_end", "unterminated object: expected , or } but found end of input");
      // A missing comma: the next member's key starts after whitespace (a line break, in the samples).
      if (pos > valueEnd && c === '"') continue;
      return fail("unexpected_character", `expected , or } but found ${describe(pos)}`);
    }
  }

  const value = parseValue(0);
  skipWhitespace();
  if (pos < text.length) fail("trailing_content", `unexpected ${describe(pos)} after the value`);
  return value;
}

/**
 * Whitespace between tokens, as JSON5 defines it: JSON's four, vertical tab,
 * form feed, the no-break space (U+00A0: the samples are indented with it,
 * copied from a web page), line and paragraph separators, the byte-order mark
 * and the other Unicode space separators. Inside strings every character is
 * kept as sent.
 */
function isWhitespace(c: number): boolean {
  return (
    c === 32 ||
    c === 10 ||
    c === 13 ||
    c === 9 ||
    c === 0x0b ||
    c === 0x0c ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

function startsValue(c: string): boolean {
  return (
    c === "{" || c === "[" || c === '"' || c === "-" || (c >= "0" && c <= "9") || c === "t" || c === "f" || c === "n"
  );
}

/** An own, enumerable property even for `__proto__`, as JSON.parse makes it. */
function define(obj: object, key: string, value: JsonValue) {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
