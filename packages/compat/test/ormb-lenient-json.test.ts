import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type JsonValue, LenientJsonError, parseLenientJson } from "../src/ormb/lenient-json.ts";
import {
  SEED_UPDATE_REQUEST,
  SEED_UPDATE_RESPONSE_FAILURE,
  SEED_UPDATE_RESPONSE_SUCCESS,
} from "../src/ormb/samples.ts";

/**
 * The lenient reader of the ORMB envelope: the seed's three samples exactly
 * as the page prints them, each leniency on its own, every refusal with its
 * rule and position, the depth and size limits, and properties: strict JSON
 * reads exactly as JSON.parse reads it, and no input makes it throw anything
 * but a LenientJsonError.
 */

const NBSP = "\u00a0";
const nb = (s: string) => s.replaceAll(" ", NBSP);

function refusal(text: string, opts?: Parameters<typeof parseLenientJson>[1]): LenientJsonError {
  try {
    parseLenientJson(text, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(LenientJsonError);
    return e as LenientJsonError;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

describe("the seed's samples, verbatim", () => {
  it("are byte for byte the seed page's (SHA-256 of each sample as cut from seeds/002)", () => {
    const sha = (s: string) => createHash("sha256").update(s).digest("hex");
    expect(sha(SEED_UPDATE_REQUEST)).toBe("04d83fa6ef06336c22300ffefdc406669ae2819477cdbdb94d1d7c10122c6470");
    expect(sha(SEED_UPDATE_RESPONSE_SUCCESS)).toBe("44a919cda1722f20184c71322836db8f809026ea1496d6eb2c3d9613348944e6");
    expect(sha(SEED_UPDATE_RESPONSE_FAILURE)).toBe("414ec70792ff27038567d459e2c922fe1790be1aeb5949075d43a174a48fe4c8");
    // What makes them not JSON: strict parsing refuses every one.
    for (const s of [SEED_UPDATE_REQUEST, SEED_UPDATE_RESPONSE_SUCCESS, SEED_UPDATE_RESPONSE_FAILURE]) {
      expect(() => JSON.parse(s)).toThrow();
      expect(s).toContain(NBSP);
    }
  });

  it("the update request: repeated holdProcessData and characteristics become lists, the missing and trailing commas are tolerated", () => {
    expect(parseLenientJson(SEED_UPDATE_REQUEST)).toEqual({
      UpdateHoldRequest: {
        sourceSystem: "SMALL_NSC_PRIME",
        externalTransactionId: "ETI22",
        externalSourceId: "ESI99",
        holdRequestId: "10000252262623",
        // Inside strings, the page's no-break spaces are kept as sent.
        holdComments: nb("Update the fields based on the request ID"),
        holdEndDate: "2022-01-31",
        entityId: "0122334455",
        entityEndDate: "2022-01-25",
        holdProcessData: [
          { holdProcess: "BILL", holdProcessEndDate: "2022-01-23" },
          { holdProcess: "FNDG", holdProcessEndDate: "2022-01-23" },
        ],
        characteristics: [
          {
            action: "Update",
            characteristicType: "INVOICE_TYPE",
            characteristicValue: "CMR",
            effectiveDate: "2022-01-01",
          },
          {
            action: "Delete",
            characteristicType: "INVOICE_HOLD_REASON",
            characteristicValue: "CMDP",
            effectiveDate: "2022-01-01",
          },
        ],
      },
    });
  });

  it("the success response: requestProcessStatus with no comma after it, one characteristics member", () => {
    expect(parseLenientJson(SEED_UPDATE_RESPONSE_SUCCESS)).toEqual({
      UpdateHoldRequest: {
        requestProcessStatus: "Success",
        sourceSystem: "SMALL_NSC_PRIME",
        externalTransactionId: "ETI22",
        externalSourceId: "ESI99",
        holdRequestId: "10000252262623",
        holdComments: nb("Update the fields based on the request ID"),
        holdEndDate: "2022-01-31",
        entityId: "0122334455",
        entityEndDate: "2022-01-25",
        holdProcessData: [
          { holdProcess: "BILL", holdProcessEndDate: "2022-01-23" },
          { holdProcess: "FNDG", holdProcessEndDate: "2022-01-23" },
        ],
        characteristics: {
          action: "Update",
          characteristicType: "INVOICE_TYPE",
          characteristicValue: "CMR",
          effectiveDate: "2022-01-01",
        },
      },
    });
  });

  it("the failure response: single members stay objects, errormsg last", () => {
    const parsed = parseLenientJson(SEED_UPDATE_RESPONSE_FAILURE) as { UpdateHoldRequest: Record<string, JsonValue> };
    expect(parsed).toEqual({
      UpdateHoldRequest: {
        requestProcessStatus: "Failure",
        sourceSystem: "SMALL_NSC_PRIME",
        externalTransactionId: "ETI22",
        externalSourceId: "ESI99",
        holdRequestId: "10101252262623",
        holdComments: nb("Update the fields based on the request ID"),
        holdEndDate: "2022-01-31",
        entityId: "1133224455",
        entityEndDate: "2022-01-25",
        holdProcessData: { holdProcess: "ATPY", holdProcessEndDate: "2022-01-25" },
        characteristics: {
          action: "Update",
          characteristicType: "STATE_OF_ISSUE",
          characteristicValue: "TX",
          effectiveDate: "2022-01-01",
        },
        errormsg: nb("The hold request is not in the active status."),
      },
    });
    expect(Object.keys(parsed.UpdateHoldRequest)).toEqual([
      "requestProcessStatus",
      "sourceSystem",
      "externalTransactionId",
      "externalSourceId",
      "holdRequestId",
      "holdComments",
      "holdEndDate",
      "entityId",
      "entityEndDate",
      "holdProcessData",
      "characteristics",
      "errormsg",
    ]);
  });
});

describe("repeated keys", () => {
  it("two occurrences become a list in the order sent; a third is appended", () => {
    expect(parseLenientJson('{"a": 1, "a": 2}')).toEqual({ a: [1, 2] });
    expect(parseLenientJson('{"a": 1, "b": 0, "a": 2, "a": {"x": 3}}')).toEqual({ a: [1, 2, { x: 3 }], b: 0 });
  });

  it("a key sent once keeps its value, even a list; a list repeated is nested, not flattened", () => {
    expect(parseLenientJson('{"a": [1]}')).toEqual({ a: [1] });
    expect(parseLenientJson('{"a": [1], "a": 2}')).toEqual({ a: [[1], 2] });
    expect(parseLenientJson('{"a": [1, 2], "a": [3]}')).toEqual({ a: [[1, 2], [3]] });
  });

  it("each object counts its own keys", () => {
    expect(parseLenientJson('{"o": {"a": 1}, "p": {"a": 2, "a": 3}, "q": [{"a": 4}, {"a": 5, "a": 6}]}')).toEqual({
      o: { a: 1 },
      p: { a: [2, 3] },
      q: [{ a: 4 }, { a: [5, 6] }],
    });
  });

  it("__proto__ is an own member, as JSON.parse makes it, and pollutes nothing", () => {
    const once = parseLenientJson('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    expect(Object.hasOwn(once, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(once)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const twice = parseLenientJson('{"__proto__": 1, "__proto__": 2}') as Record<string, unknown>;
    expect(Object.getOwnPropertyDescriptor(twice, "__proto__")?.value).toEqual([1, 2]);
    expect(Object.getPrototypeOf(twice)).toBe(Object.prototype);
  });
});

describe("commas", () => {
  it("a trailing comma may close an object or an array, at any depth, with whitespace before the bracket", () => {
    expect(parseLenientJson('{"a": 1,}')).toEqual({ a: 1 });
    expect(parseLenientJson("[1, 2,]")).toEqual([1, 2]);
    expect(parseLenientJson('{"a": [1, {"b": 2,},\n],\n}')).toEqual({ a: [1, { b: 2 }] });
  });

  it("a missing comma between members or elements is tolerated when whitespace separates them", () => {
    expect(parseLenientJson('{"a": 1\n"b": 2}')).toEqual({ a: 1, b: 2 });
    expect(parseLenientJson('{"a": {"x": 1} "b": [2] "c": "s" "d": true "e": null}')).toEqual({
      a: { x: 1 },
      b: [2],
      c: "s",
      d: true,
      e: null,
    });
    expect(parseLenientJson('[1 2\n3 "x" {"y": 1} [4] true false null -5]')).toEqual([
      1,
      2,
      3,
      "x",
      { y: 1 },
      [4],
      true,
      false,
      null,
      -5,
    ]);
    expect(parseLenientJson(`{"a": 1${NBSP}"b": 2}`)).toEqual({ a: 1, b: 2 });
  });

  it("a missing comma with nothing between the two is refused", () => {
    expect(refusal('{"a": 1"b": 2}')).toMatchObject({ rule: "unexpected_character", position: 7 });
    expect(refusal('["a""b"]')).toMatchObject({ rule: "unexpected_character", position: 4 });
    expect(refusal('[{"a": 1}{"b": 2}]')).toMatchObject({ rule: "unexpected_character", position: 9 });
  });

  it("leading, doubled and lone commas are refused", () => {
    expect(refusal("[,1]")).toMatchObject({ rule: "unexpected_character", position: 1 });
    expect(refusal("[1,,2]")).toMatchObject({ rule: "unexpected_character", position: 3 });
    expect(refusal("[,]")).toMatchObject({ rule: "unexpected_character", position: 1 });
    expect(refusal('{,"a": 1}')).toMatchObject({ rule: "unexpected_character", position: 1 });
    expect(refusal('{"a": 1,,}')).toMatchObject({ rule: "unexpected_character", position: 8 });
    expect(refusal("{,}")).toMatchObject({ rule: "unexpected_character", position: 1 });
  });
});

describe("whitespace", () => {
  it("JSON5's whitespace separates tokens: no-break space, BOM, line separators, other Unicode spaces", () => {
    for (const ws of ["\u00a0", "\ufeff", "\u2028", "\u2029", "\u2003", "\u3000", "\u000b", "\u000c"]) {
      expect(parseLenientJson(`${ws}{${ws}"a"${ws}:${ws}[${ws}1${ws},${ws}2${ws}]${ws}}${ws}`)).toEqual({ a: [1, 2] });
    }
  });

  it("is kept as sent inside strings", () => {
    expect(parseLenientJson(`"a${NBSP}b\u2028c"`)).toBe(`a${NBSP}b\u2028c`);
  });
});

describe("values", () => {
  it("strings with every escape", () => {
    expect(parseLenientJson(String.raw`"q\" b\\ s\/ \b\f\n\r\t \u0041\u00e9\ud83d\ude00"`)).toBe(
      'q" b\\ s/ \b\f\n\r\t Aé😀',
    );
  });

  it("numbers as JSON writes them", () => {
    expect(parseLenientJson("[0, -0, 12, -3.5, 1e3, 2E-2, 6.02e+23]")).toEqual([0, -0, 12, -3.5, 1000, 0.02, 6.02e23]);
  });

  it("literals, empty containers, a top-level scalar", () => {
    expect(parseLenientJson("[true, false, null, {}, []]")).toEqual([true, false, null, {}, []]);
    expect(parseLenientJson(' "x" ')).toBe("x");
    expect(parseLenientJson("42")).toBe(42);
  });
});

describe("what stays refused, with its rule and position", () => {
  const cases: [string, string, string, number][] = [
    ["empty input", "", "unexpected_end", 0],
    ["only whitespace", "  \n ", "unexpected_end", 4],
    ["an unterminated string (position: its opening quote)", '{"a": "abc', "unterminated_string", 6],
    ["an unterminated string ending in a backslash", '"abc\\', "unterminated_string", 0],
    ["an unterminated object", '{"a": 1', "unexpected_end", 7],
    ["an unterminated object after a comma", '{"a": 1,', "unexpected_end", 8],
    ["an unterminated array", "[1, 2", "unexpected_end", 5],
    ["a missing colon", '{"a" 1}', "unexpected_character", 5],
    ["a missing value", '{"a": }', "unexpected_character", 6],
    ["an unquoted key", "{a: 1}", "unexpected_character", 1],
    ["a single-quoted string", "['a']", "unexpected_character", 1],
    ["a line comment", '{"a": 1 // no\n}', "unexpected_character", 8],
    ["a block comment", "[1 /* no */]", "unexpected_character", 3],
    ["NaN", "[NaN]", "unexpected_character", 1],
    ["Infinity", "[Infinity]", "unexpected_character", 1],
    ["a truncated literal", "[tru]", "unexpected_character", 1],
    ["a literal running into a word", "[truex]", "unexpected_character", 1],
    ["a leading zero", "[01]", "bad_number", 1],
    ["a bare minus", "[-]", "bad_number", 1],
    ["a trailing point", "[1.]", "bad_number", 1],
    ["a leading point", "[.5]", "unexpected_character", 1],
    ["a plus sign", "[+1]", "unexpected_character", 1],
    ["an empty exponent", "[1e]", "bad_number", 1],
    ["a hex number", "[0x1F]", "bad_number", 1],
    ["an unknown escape", '"a\\x"', "bad_escape", 2],
    ["a short \\u escape", '"\\u12"', "bad_escape", 1],
    ["a raw newline in a string", '"a\nb"', "control_character", 2],
    ["a raw tab in a string", '"a\tb"', "control_character", 2],
    ["content after the value", '{"a": 1} x', "trailing_content", 9],
    ["a second top-level value", "{} {}", "trailing_content", 3],
    ["garbage", "<xml/>", "unexpected_character", 0],
    ["a closing bracket that closes nothing", "]", "unexpected_character", 0],
    ["a mismatched bracket", '{"a": [1}', "unexpected_character", 8],
  ];
  it.each(cases)("%s", (_name, text, rule, position) => {
    const e = refusal(text);
    expect({ rule: e.rule, position: e.position }).toEqual({ rule, position });
    expect(e.message).toMatch(/at line \d+, column \d+ \(offset \d+\)$/);
  });

  it("names the line and column", () => {
    const e = refusal('{\n  "a": 1,\n  "b": ?\n}');
    expect(e).toMatchObject({ rule: "unexpected_character", line: 3, column: 8, position: 19 });
    expect(e.message).toBe('expected a value but found character "?" at line 3, column 8 (offset 19)');
  });

  it("a broken seed sample is refused where it breaks", () => {
    const cut = SEED_UPDATE_REQUEST.slice(0, SEED_UPDATE_REQUEST.indexOf('"2022-01-31"') + 5);
    expect(refusal(cut)).toMatchObject({ rule: "unterminated_string", line: 9 });
  });
});

describe("limits", () => {
  const nested = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;

  it("64 levels of nesting read; 65 are refused; 100 000 are refused without exhausting the stack", () => {
    expect(() => parseLenientJson(nested(64))).not.toThrow();
    expect(refusal(nested(65))).toMatchObject({ rule: "max_depth", position: 64 });
    expect(refusal(`${'{"a":'.repeat(65)}1${"}".repeat(65)}`)).toMatchObject({ rule: "max_depth" });
    expect(refusal(nested(100_000))).toMatchObject({ rule: "max_depth" });
    expect(refusal(nested(11), { maxDepth: 10 })).toMatchObject({ rule: "max_depth" });
  });

  it("texts over 1 MiB are refused before reading; the limit can be lowered", () => {
    const big = `"${"x".repeat(1024 * 1024)}"`;
    expect(refusal(big)).toMatchObject({ rule: "max_size" });
    expect(parseLenientJson(`"${"x".repeat(1024 * 1024 - 2)}"`)).toHaveLength(1024 * 1024 - 2);
    expect(refusal("[1, 2, 3]", { maxLength: 8 })).toMatchObject({ rule: "max_size" });
  });

  it("reads a large, wide body quickly", () => {
    const body = JSON.stringify({
      items: Array.from({ length: 20_000 }, (_, i) => ({ i, s: `v${i}`, b: i % 2 === 0 })),
    });
    const started = performance.now();
    expect((parseLenientJson(body) as { items: unknown[] }).items).toHaveLength(20_000);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe("properties", () => {
  // Keys are unique in what JSON.stringify writes, so the two readers must agree exactly.
  const value = fc.jsonValue({ maxDepth: 5 });

  it("strict JSON, compact or pretty, reads exactly as JSON.parse reads it", () => {
    fc.assert(
      fc.property(value, (v) => {
        for (const text of [JSON.stringify(v), JSON.stringify(v, null, 2), JSON.stringify(v, null, "\t")]) {
          expect(parseLenientJson(text)).toStrictEqual(JSON.parse(text));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("dropping every comma at a line end, or adding a trailing one, changes nothing", () => {
    fc.assert(
      fc.property(value, (v) => {
        const pretty = JSON.stringify(v, null, 2);
        // JSON.stringify escapes newlines inside strings, so ",\n" only ever separates members or elements.
        const noCommas = pretty.replaceAll(",\n", "\n");
        const trailing = pretty.replace(/([^[{\s])(\n\s*[}\]])/g, "$1,$2");
        expect(parseLenientJson(noCommas)).toStrictEqual(JSON.parse(pretty));
        expect(parseLenientJson(trailing)).toStrictEqual(JSON.parse(pretty));
      }),
      { numRuns: 300 },
    );
  });

  it("any text either reads or is refused with a LenientJsonError, never anything else", () => {
    const mutated = fc
      .tuple(fc.nat(SEED_UPDATE_REQUEST.length), fc.nat(20), fc.string({ maxLength: 5 }))
      .map(([at, cut, insert]) => SEED_UPDATE_REQUEST.slice(0, at) + insert + SEED_UPDATE_REQUEST.slice(at + cut));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), fc.json(), mutated), (text) => {
        try {
          parseLenientJson(text);
        } catch (e) {
          expect(e).toBeInstanceOf(LenientJsonError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
