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
 * How: Microsoft's jsonc-parser does the scanning and parsing. Its `visit`
 * reports every property (repeated ones included, which json5, hjson and the
 * other relaxed readers lose by building plain objects), every value and
 * separator, and each error as a recoverable code at the offending token.
 * This module only
 *
 *  1. refuses over-long texts before reading;
 *  2. turns JSON5's extra whitespace outside strings into plain spaces, since
 *     jsonc-parser knows only space, tab, CR and LF: its own scanner
 *     (`createScanner`) finds the characters, which can only sit in its
 *     "unknown" tokens, never in a string. One code unit becomes one, so
 *     every offset stays the sent text's;
 *  3. builds the value from the visitor's callbacks (repeated keys collected),
 *     refusing an opening bracket deeper than `maxDepth` by throwing from
 *     `onObjectBegin`/`onArrayBegin`, before jsonc-parser's recursion goes on;
 *  4. tolerates exactly one error code, `CommaExpected`, when whitespace
 *     precedes the next element (or the next member's quoted key), and lets
 *     `allowTrailingComma` take the trailing commas; `disallowComments` makes
 *     comments errors. Any other error (or a close that jsonc-parser assumed
 *     at the end of input) ends the read by throwing at the first one;
 *  5. names that first error in this reader's own terms (rule, message,
 *     position) from the state the callbacks tracked (what was expected
 *     there) and the character found. jsonc-parser places a string's error at
 *     its opening quote, so for bad escapes and raw control characters the
 *     string is looked through for the exact character; and a number running
 *     straight into a letter, a digit or a point (`01`, `0x1F`, `1true`),
 *     which jsonc-parser splits into two tokens, is refused as a malformed
 *     number when it is read.
 */

import { createScanner, type ParseErrorCode, type SyntaxKind, visit } from "jsonc-parser";

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

// jsonc-parser declares its enums `const`, which verbatimModuleSyntax cannot read at run time: their values, checked.
const COMMA_EXPECTED = 6 satisfies ParseErrorCode.CommaExpected;
const UNKNOWN_TOKEN = 16 satisfies SyntaxKind.Unknown;
const END_OF_INPUT = 17 satisfies SyntaxKind.EOF;

/** What the reader expects next in one object, one array, or at the top level. */
type Phase = "value" | "key" | "colon" | "comma" | "done";
type Frame =
  | { kind: "top"; phase: Phase }
  | { kind: "array"; phase: Phase; items: JsonValue[] }
  | { kind: "object"; phase: Phase; obj: { [key: string]: JsonValue }; key: string; repeated: Set<string> };

/** JSON5's whitespace that JSON's (and jsonc-parser's) lacks: VT, FF, NBSP, the Unicode spaces, LS, PS, BOM. */
const EXTRA_WHITESPACE = /[\v\f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;
const EXTRA_WHITESPACE_ALL = new RegExp(EXTRA_WHITESPACE.source, "g");
/** A literal that the original grammar reads before refusing what follows it (`true-1` fails at `-`). */
const LITERAL_RE = /(?:true|false|null)(?![0-9A-Za-z_$])/y;
/** What may not follow a number directly: `01`, `1.`, `1e`, `12abc` are malformed numbers. */
const NUMBER_RUN_ON = /[0-9A-Za-z_.+-]/;
const SIMPLE_ESCAPES = '"\\/bfnrt';

/** Reads `text` as lenient JSON (see the module comment). Throws {@link LenientJsonError}. */
export function parseLenientJson(text: string, options: LenientJsonOptions = {}): JsonValue {
  const maxDepth = options.maxDepth ?? LENIENT_JSON_DEFAULTS.maxDepth;
  const maxLength = options.maxLength ?? LENIENT_JSON_DEFAULTS.maxLength;
  if (text.length > maxLength) {
    throw new LenientJsonError("max_size", `the text is longer than ${maxLength} characters`, "", 0);
  }
  const src = normalizeWhitespace(text);

  const fail = (rule: LenientJsonRule, what: string, at: number): never => {
    throw new LenientJsonError(rule, what, text, at);
  };
  const describe = (at: number) => (at >= text.length ? "end of input" : `character ${JSON.stringify(text[at])}`);

  const top: Frame = { kind: "top", phase: "value" };
  const stack: Frame[] = [top];
  let frame: Frame = top;
  let root: JsonValue = null;

  /** Stores a value read in the current frame; the frame then expects a separator. */
  function put(value: JsonValue) {
    if (frame.kind === "top") {
      root = value;
      frame.phase = "done";
    } else if (frame.kind === "array") {
      frame.items.push(value);
      frame.phase = "comma";
    } else {
      const { obj, key, repeated } = frame;
      if (!Object.hasOwn(obj, key)) {
        define(obj, key, value);
      } else if (repeated.has(key)) {
        (obj[key] as JsonValue[]).push(value);
      } else {
        repeated.add(key);
        define(obj, key, [obj[key] as JsonValue, value]);
      }
      frame.phase = "comma";
    }
  }

  function open(child: Frame, at: number) {
    if (stack.length > maxDepth) fail("max_depth", `nesting deeper than ${maxDepth} levels`, at);
    put(child.kind === "array" ? child.items : child.kind === "object" ? child.obj : null);
    stack.push(child);
    frame = child;
  }

  function close(bracket: "]" | "}", at: number) {
    // jsonc-parser ends an unclosed container at the end of input, then reports it.
    if (src[at] !== bracket) refuse(at);
    stack.pop();
    frame = stack.at(-1) ?? top;
  }

  /** The first missing comma that whitespace excuses: the next element, or the next member's key, follows. */
  function excusesMissingComma(at: number): boolean {
    if (frame.phase !== "comma" || !isSpace(src.charCodeAt(at - 1))) return false;
    const c = src[at] ?? "";
    return frame.kind === "array" ? startsValue(c) : frame.kind === "object" && c === '"';
  }

  /** Refuses at `at`, the first token jsonc-parser could not take, naming what was expected there. */
  function refuse(at: number): never {
    let phase = frame.phase;
    if (excusesMissingComma(at)) phase = frame.kind === "array" ? "value" : "key";
    const atEnd = at >= src.length;
    const c = src[at] ?? "";
    switch (phase) {
      case "done":
        return fail("trailing_content", `unexpected ${describe(at)} after the value`, at);
      case "value": {
        if (atEnd) return fail("unexpected_end", "expected a value but found end of input", at);
        if (c === '"') return refuseString(at);
        LITERAL_RE.lastIndex = at;
        if (LITERAL_RE.test(src)) {
          // `true` followed by, say, `-`: the literal reads, what follows it is the error.
          frame.phase = frame.kind === "top" ? "done" : "comma";
          return refuse(LITERAL_RE.lastIndex);
        }
        if (c === "-" || (c >= "0" && c <= "9")) return fail("bad_number", "malformed number", at);
        return fail("unexpected_character", `expected a value but found ${describe(at)}`, at);
      }
      case "key":
        if (atEnd) return fail("unexpected_end", "unterminated object: expected a key but found end of input", at);
        if (c === '"') return refuseString(at);
        return fail("unexpected_character", `expected a quoted key but found ${describe(at)}`, at);
      case "colon": {
        if (atEnd) return fail("unexpected_end", "expected : but found end of input", at);
        const key = frame.kind === "object" ? frame.key : "";
        return fail(
          "unexpected_character",
          `expected : after key ${JSON.stringify(key)} but found ${describe(at)}`,
          at,
        );
      }
      case "comma": {
        const [what, bracket] = frame.kind === "array" ? ["array", "]"] : ["object", "}"];
        if (atEnd) {
          return fail("unexpected_end", `unterminated ${what}: expected , or ${bracket} but found end of input`, at);
        }
        return fail("unexpected_character", `expected , or ${bracket} but found ${describe(at)}`, at);
      }
    }
  }

  /**
   * jsonc-parser reports a broken string at its opening quote; the rule and
   * the position are the first character that breaks it.
   */
  function refuseString(start: number): never {
    let i = start + 1;
    while (i < text.length) {
      const code = text.charCodeAt(i);
      if (code === 34) break;
      if (code < 0x20) return fail("control_character", "raw control character in a string (escape it)", i);
      if (code !== 92) {
        i++;
        continue;
      }
      const e = text[i + 1];
      if (e === undefined) return fail("unterminated_string", "unterminated string", start);
      if (e === "u") {
        if (!/^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6))) {
          return fail("bad_escape", "\\u must be followed by four hex digits", i);
        }
        i += 6;
      } else if (SIMPLE_ESCAPES.includes(e)) {
        i += 2;
      } else {
        return fail("bad_escape", `unknown escape \\${e}`, i);
      }
    }
    if (i >= text.length) return fail("unterminated_string", "unterminated string", start);
    return fail("unexpected_character", `unexpected ${describe(start)}`, start);
  }

  visit(
    src,
    {
      onObjectBegin: (at) => open({ kind: "object", phase: "key", obj: {}, key: "", repeated: new Set() }, at),
      onArrayBegin: (at) => open({ kind: "array", phase: "value", items: [] }, at),
      onObjectEnd: (at) => close("}", at),
      onArrayEnd: (at) => close("]", at),
      onObjectProperty: (key) => {
        if (frame.kind === "object") {
          frame.key = key;
          frame.phase = "colon";
        }
      },
      onSeparator: (separator) => {
        frame.phase = separator === ":" || frame.kind === "array" ? "value" : "key";
      },
      onLiteralValue: (value: JsonValue, at, length) => {
        if (typeof value === "number" && NUMBER_RUN_ON.test(src[at + length] ?? "")) {
          fail("bad_number", "malformed number", at);
        }
        put(value);
      },
      onError: (code, at) => {
        if (code === COMMA_EXPECTED && excusesMissingComma(at)) {
          frame.phase = frame.kind === "array" ? "value" : "key";
          return;
        }
        refuse(at);
      },
    },
    { allowTrailingComma: true, disallowComments: true },
  );
  return root;
}

/**
 * JSON5's whitespace beyond JSON's, outside strings, as plain spaces (inside
 * strings every character is kept as sent). jsonc-parser's scanner reads such
 * a character as part of an "unknown" token, so only those are rewritten.
 */
function normalizeWhitespace(text: string): string {
  if (!EXTRA_WHITESPACE.test(text)) return text;
  const scanner = createScanner(text, false);
  const parts: string[] = [];
  let copied = 0;
  for (let token = scanner.scan(); token !== END_OF_INPUT; token = scanner.scan()) {
    if (token !== UNKNOWN_TOKEN) continue;
    const start = scanner.getTokenOffset();
    const end = start + scanner.getTokenLength();
    parts.push(text.slice(copied, start), text.slice(start, end).replace(EXTRA_WHITESPACE_ALL, " "));
    copied = end;
  }
  parts.push(text.slice(copied));
  return parts.join("");
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
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
