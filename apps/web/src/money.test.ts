import { describe, expect, it } from "vitest";
import { formatMoney, minorDigits, minorToDecimal, minorToMajorInput, parseMajorUnits } from "./money.ts";

describe("a currency's minor unit", () => {
  it.each([
    ["EUR", 2],
    ["USD", 2],
    ["JPY", 0],
    ["KWD", 3],
    ["eur", null],
    ["EURO", null],
    ["", null],
  ])("%s has %s decimal digits", (currency, digits) => {
    expect(minorDigits(currency)).toBe(digits);
  });
});

describe("minor units as decimal text", () => {
  it.each([
    [1999, 2, "19.99"],
    [5, 2, "0.05"],
    [0, 2, "0.00"],
    [1999, 0, "1999"],
    [1, 3, "0.001"],
    [-250, 2, "-2.50"],
    [1_000_000_000_000, 2, "10000000000.00"],
  ])("%s with %s digits is %s", (minor, digits, text) => {
    expect(minorToDecimal(minor, digits)).toBe(text);
  });

  it("formats with the currency, exactly", () => {
    const eur = formatMoney(1999, "EUR");
    expect(eur).toContain("19.99");
    expect(eur).toMatch(/€|EUR/);
    expect(formatMoney(1999, "JPY")).toMatch(/1,999/);
    expect(formatMoney(999_999_999_999, "USD")).toContain("9,999,999,999.99");
    expect(minorToMajorInput(12950, "EUR")).toBe("129.50");
  });
});

describe("an amount typed in major units becomes integer minor units", () => {
  it.each([
    ["19.99", "EUR", 1999],
    ["19,99", "EUR", 1999],
    ["0.1", "EUR", 10],
    ["19.990", "EUR", 1999],
    [" 1 000.5 ", "EUR", 100050],
    ["7", "EUR", 700],
    ["1999", "JPY", 1999],
    ["1.234", "KWD", 1234],
    // The float product would be 1998.9999999999998 or 57.99999999999999.
    ["0.58", "EUR", 58],
  ])("%s %s is %s", (text, currency, minor) => {
    expect(parseMajorUnits(text, currency)).toEqual({ ok: true, minor });
  });

  it.each([
    ["", "EUR", "enter an amount"],
    ["19.999", "EUR", "EUR has 2 decimal places: enter at most 2"],
    ["19.5", "JPY", "JPY has no minor unit: enter a whole amount"],
    ["-5", "EUR", "must be an amount such as 19.99"],
    ["1e3", "EUR", "must be an amount such as 19.99"],
    ["12.3.4", "EUR", "must be an amount such as 19.99"],
    ["5", "euro", "choose a valid currency first"],
    ["99999999999999999", "EUR", "is too large"],
  ])("%j %s is refused: %s", (text, currency, message) => {
    expect(parseMajorUnits(text, currency)).toEqual({ ok: false, message });
  });
});
