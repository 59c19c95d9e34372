import { businessDateAt } from "@holdfast/domain";
import { afterEach, describe, expect, it } from "vitest";
import { formatDate, formatInstant, getDisplayZone, setDisplayZone } from "./format.ts";

afterEach(() => setDisplayZone("UTC"));

describe("formatInstant: an instant in the tenant's zone, with the zone", () => {
  it("shows the instant ISO-ordered with its zone", () => {
    expect(formatInstant("2026-12-06T21:30:00Z", "UTC")).toBe("2026-12-06 21:30 UTC");
    expect(formatInstant("2026-12-06T21:30:00Z", "Pacific/Auckland")).toBe("2026-12-07 10:30 GMT+13");
    expect(formatInstant("2026-07-01T08:05:00Z", "America/Los_Angeles")).toBe("2026-07-01 01:05 PDT");
  });

  it("uses the tenant's zone once set: Auckland's evening of the 6th in UTC is already the 7th there", () => {
    setDisplayZone("Pacific/Auckland");
    expect(getDisplayZone()).toBe("Pacific/Auckland");
    // The same day the server calls "today" for an Auckland tenant at this instant.
    expect(formatInstant("2026-12-06T21:30:00Z").slice(0, 10)).toBe("2026-12-07");
  });

  it("shows the same day the server's business date is, in every zone", () => {
    for (const zone of ["Pacific/Auckland", "UTC", "America/Los_Angeles", "Asia/Kolkata"]) {
      for (const iso of [
        "2026-12-06T10:59:00Z",
        "2026-12-06T11:00:00Z",
        "2026-12-06T23:59:00Z",
        "2027-03-31T14:00:00Z",
      ]) {
        expect(formatInstant(iso, zone).slice(0, 10), `${iso} in ${zone}`).toBe(businessDateAt(new Date(iso), zone));
      }
    }
  });

  it("midnight is 00, not 24", () => {
    expect(formatInstant("2026-12-06T00:00:00Z", "UTC")).toBe("2026-12-06 00:00 UTC");
  });

  it("shows — for none and the text itself when it is not an instant", () => {
    expect(formatInstant(null)).toBe("—");
    expect(formatInstant("not a date")).toBe("not a date");
  });
});

describe("formatDate: a business date as written", () => {
  it("is the ISO date, whatever the zone", () => {
    setDisplayZone("Pacific/Auckland");
    expect(formatDate("2026-12-06")).toBe("2026-12-06");
    expect(formatDate(null, "until released")).toBe("until released");
  });
});
