import { issueRule } from "@holdfast/domain";
import { issuesOfZod } from "@holdfast/testing/issues";
import { describe, expect, it } from "vitest";
import { rollForm, setPasswordForm, tenantSettingsForm, tokenForm, userForm } from "./access-forms.ts";

describe("the token form (createTokenInput behind form values)", () => {
  it("sends no expiry when the date is empty, and the start of the chosen day (local time) otherwise", () => {
    const base = { name: " billing sync ", permissions: ["holds:read", "holds:read", "holds:list"] };
    expect(tokenForm.parse({ ...base, expiresOn: "" })).toEqual({
      name: "billing sync",
      permissions: ["holds:read", "holds:list"],
    });
    expect(tokenForm.parse({ ...base, expiresOn: "2030-07-01" })).toMatchObject({
      expiresAt: new Date(2030, 6, 1).toISOString(),
    });
  });

  it.each([
    ["no name", { name: "  ", permissions: ["holds:read"], expiresOn: "" }, "name"],
    ["no permission", { name: "n", permissions: [], expiresOn: "" }, "permissions"],
    ["an unknown permission", { name: "n", permissions: ["root"], expiresOn: "" }, "permissions.0"],
    ["a date that is not one", { name: "n", permissions: ["admin"], expiresOn: "2030-02-30" }, "expiresOn"],
  ])("refuses %s at its field", (_, values, path) => {
    const result = tokenForm.safeParse(values);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join("."))).toContain(path);
  });
});

describe("the roll form", () => {
  it("leaves the overlap to the server when empty, else sends its end", () => {
    expect(rollForm.parse({ overlapHours: "" })).toEqual({});
    const before = Date.now();
    const { overlapUntil } = rollForm.parse({ overlapHours: "2" }) as { overlapUntil: string };
    expect(Date.parse(overlapUntil) - before).toBeGreaterThanOrEqual(2 * 3600_000);
    expect(Date.parse(overlapUntil) - before).toBeLessThan(2 * 3600_000 + 60_000);
  });

  it.each(["0", "169", "1.5", "soon"])("refuses an overlap of %s hours", (overlapHours) => {
    expect(rollForm.safeParse({ overlapHours }).success).toBe(false);
  });
});

describe("the user, settings and password forms", () => {
  it("a user needs an email address and a name; permissions may be none", () => {
    expect(userForm.safeParse({ email: "a@b.test", name: "A", permissions: [] }).success).toBe(true);
    expect(
      issuesOfZod(userForm.safeParse({ email: "not an email", name: "", permissions: [] })).map((i) => i.split(":")[0]),
    ).toEqual(["email", "name"]);
  });

  it("the tenant settings refuse an unknown time zone and a grace period over a year", () => {
    const result = tenantSettingsForm.safeParse({ graceDays: 366, timeZone: "Mars/Olympus" });
    expect(
      issuesOfZod(result)
        .map((i) => i.split(":")[0])
        .sort(),
    ).toEqual(["graceDays", "timeZone"]);
  });

  it("a new password is at least 12 characters and typed twice the same (rule passwords_match)", () => {
    expect(setPasswordForm.safeParse({ password: "short", confirm: "short" }).error?.issues[0]?.path).toEqual([
      "password",
    ]);
    const mismatch = setPasswordForm.safeParse({ password: "a long passphrase", confirm: "a long passphrasE" });
    expect(mismatch.error?.issues.map((i) => [i.path.join("."), issueRule(i)])).toEqual([
      ["confirm", "passwords_match"],
    ]);
    expect(setPasswordForm.safeParse({ password: "a long passphrase", confirm: "a long passphrase" }).success).toBe(
      true,
    );
  });
});
