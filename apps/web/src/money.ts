/**
 * Money is kept in integer minor units (cents, pence, yen). A currency's
 * minor-unit digits come from Intl (ISO 4217: EUR 2, JPY 0, KWD 3), and the
 * conversions below work on the decimal digits as text, never through a
 * float multiplication (19.99 * 100 is 1998.9999999999998).
 */

const digitsCache = new Map<string, number | null>();

/** Decimal digits of the currency's minor unit, or null when the code is not a currency code. */
export function minorDigits(currency: string): number | null {
  const cached = digitsCache.get(currency);
  if (cached !== undefined) return cached;
  let digits: number | null = null;
  if (/^[A-Z]{3}$/.test(currency)) {
    try {
      digits =
        new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = null;
    }
  }
  digitsCache.set(currency, digits);
  return digits;
}

/** "1999" minor units with 2 digits → "19.99"; exact for any safe integer. */
export function minorToDecimal(minor: number, digits: number): string {
  const sign = minor < 0 ? "-" : "";
  const abs = String(Math.abs(minor));
  if (digits === 0) return `${sign}${abs}`;
  const padded = abs.padStart(digits + 1, "0");
  return `${sign}${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
}

const formatters = new Map<string, Intl.NumberFormat>();

/** 1999 EUR → "€19.99" in the viewer's locale. */
export function formatMoney(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  if (digits === null) return `${minor} ${currency} (minor units)`;
  let nf = formatters.get(currency);
  if (!nf) {
    nf = new Intl.NumberFormat(undefined, { style: "currency", currency });
    formatters.set(currency, nf);
  }
  // A decimal string is formatted exactly (Intl.NumberFormat v3).
  return nf.format(minorToDecimal(minor, digits) as `${number}`);
}

/** The amount as a person types it in major units, for an input's default value: 1999 EUR → "19.99". */
export function minorToMajorInput(minor: number, currency: string): string {
  return minorToDecimal(minor, minorDigits(currency) ?? 2);
}

export type ParsedMoney = { ok: true; minor: number } | { ok: false; message: string };

/**
 * "19.99" (or "19,99") EUR → 1999. Refuses what would not be an exact amount in
 * the currency's minor unit: more decimals than it has, signs, exponents, text.
 */
export function parseMajorUnits(text: string, currency: string): ParsedMoney {
  const trimmed = text.trim().replace(/[\s\u00a0\u202f_]/g, "");
  if (trimmed === "") return { ok: false, message: "enter an amount" };
  const digits = minorDigits(currency);
  if (digits === null) return { ok: false, message: "choose a valid currency first" };
  const match = /^(\d+)(?:[.,](\d*))?$/.exec(trimmed);
  if (!match) return { ok: false, message: "must be an amount such as 19.99" };
  const whole = match[1] ?? "0";
  const fraction = (match[2] ?? "").replace(/0+$/, "");
  if (fraction.length > digits) {
    return {
      ok: false,
      message:
        digits === 0
          ? `${currency} has no minor unit: enter a whole amount`
          : `${currency} has ${digits} decimal ${digits === 1 ? "place" : "places"}: enter at most ${digits}`,
    };
  }
  const minor = Number(`${whole}${fraction.padEnd(digits, "0")}`);
  if (!Number.isSafeInteger(minor)) return { ok: false, message: "is too large" };
  return { ok: true, minor };
}
