import { Resource } from "../../src/auth/resource";
import { FieldErrors } from "../../src/common/validation";
import { apiKeyStatus, checkGraceExpiry, readExpiry, readGracePeriod, readName, readPermissions } from "../../src/keys/api-key-rules";

function run<T>(fn: (errors: FieldErrors) => T): { value: T; fields: { field: string; message: string }[] } {
  const errors = new FieldErrors();
  const value = fn(errors);
  try {
    errors.throwIfAny();
    return { value, fields: [] };
  } catch (error) {
    return { value, fields: (error as { extensions: { fields: { field: string; message: string }[] } }).extensions.fields };
  }
}

describe("status derivation", () => {
  const at = new Date("2026-01-01T00:00:00.000Z");

  it("is ACTIVE one millisecond before expiresAt and EXPIRED at that very instant", () => {
    const key = { revokedAt: null, expiresAt: at };
    expect(apiKeyStatus(key, new Date(at.getTime() - 1))).toBe("ACTIVE");
    expect(apiKeyStatus(key, at)).toBe("EXPIRED");
  });

  it("is REVOKED whatever the expiry", () => {
    expect(apiKeyStatus({ revokedAt: at, expiresAt: null }, at)).toBe("REVOKED");
    expect(apiKeyStatus({ revokedAt: at, expiresAt: new Date(at.getTime() - 1000) }, at)).toBe("REVOKED");
  });

  it("is ACTIVE forever without an expiry", () => {
    expect(apiKeyStatus({ revokedAt: null, expiresAt: null }, new Date("9999-01-01"))).toBe("ACTIVE");
  });
});

describe("grant validation", () => {
  it("keeps write without read, drops empty entries, and orders rows as the Resource enum", () => {
    const { value, fields } = run((e) =>
      readPermissions(e, "permissions", [
        { resource: Resource.INTEGRATIONS, read: true },
        { resource: Resource.CALLS, write: true },
        { resource: Resource.LEADS },
      ]),
    );
    expect(fields).toEqual([]);
    expect(value).toEqual([
      { resource: Resource.CALLS, read: false, write: true },
      { resource: Resource.INTEGRATIONS, read: true, write: false },
    ]);
  });

  it.each([
    ["no entries", [], /at least one/],
    ["entries granting nothing", [{ resource: Resource.CALLS, read: false, write: false }], /at least one/],
    [
      "a resource twice",
      [
        { resource: Resource.CALLS, read: true },
        { resource: Resource.CALLS, write: true },
      ],
      /at most once.*CALLS/,
    ],
    ["write on analytics", [{ resource: Resource.ANALYTICS, read: true, write: true }], /analytics is read-only/],
  ])("refuses %s, naming the field", (_case, permissions, message) => {
    const { fields } = run((e) => readPermissions(e, "input.permissions", permissions));
    expect(fields).toHaveLength(1);
    expect(fields[0].field).toBe("input.permissions");
    expect(fields[0].message).toMatch(message);
  });
});

describe("name, expiry and grace period", () => {
  it.each([
    ["", /1 to 100/],
    ["   ", /1 to 100/],
    ["x".repeat(101), /1 to 100/],
    ["bad\u0000name", /control characters/],
  ])("refuses the name %j", (name, message) => {
    const { fields } = run((e) => readName(e, "input.name", name));
    expect(fields[0]).toEqual({ field: "input.name", message: expect.stringMatching(message) });
  });

  it("trims names and accepts 100 characters", () => {
    expect(run((e) => readName(e, "n", `  ${"y".repeat(100)}  `))).toEqual({ value: "y".repeat(100), fields: [] });
  });

  it("refuses an expiry equal to now and accepts one a millisecond later", () => {
    const now = new Date("2026-05-01T12:00:00Z");
    expect(run((e) => readExpiry(e, "input.expiresAt", now, now)).fields[0].field).toBe("input.expiresAt");
    expect(run((e) => readExpiry(e, "input.expiresAt", new Date(now.getTime() + 1), now)).fields).toEqual([]);
  });

  it.each([-1, 604801, 1.5])("refuses a grace period of %p seconds", (seconds) => {
    expect(run((e) => readGracePeriod(e, "gracePeriodSeconds", seconds)).fields[0].field).toBe("gracePeriodSeconds");
  });

  it.each([0, 604800, null])("accepts a grace period of %p", (seconds) => {
    expect(run((e) => readGracePeriod(e, "gracePeriodSeconds", seconds)).fields).toEqual([]);
  });
});

describe("the expiry of a key in its rotation grace period", () => {
  const graceEnd = new Date("2026-01-01T01:00:00.000Z");
  const rotated = { rotatedToId: "00000000-0000-4000-8000-000000000001", expiresAt: graceEnd };

  it.each([
    ["removed", null],
    ["moved later", new Date(graceEnd.getTime() + 1)],
  ])("may not be %s", (_case, expiresAt) => {
    expect(run((errors) => checkGraceExpiry(errors, "input.expiresAt", rotated, expiresAt)).fields.map((f) => f.field)).toEqual([
      "input.expiresAt",
    ]);
  });

  it.each([
    ["brought forward", new Date(graceEnd.getTime() - 1)],
    ["left where it is", graceEnd],
    ["left out of the update", undefined],
  ])("may be %s", (_case, expiresAt) => {
    expect(run((errors) => checkGraceExpiry(errors, "input.expiresAt", rotated, expiresAt)).fields).toEqual([]);
  });

  it("is not limited on a key that was never rotated", () => {
    expect(run((errors) => checkGraceExpiry(errors, "input.expiresAt", { rotatedToId: null, expiresAt: graceEnd }, null)).fields).toEqual(
      [],
    );
  });
});
