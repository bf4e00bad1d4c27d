import { createHmac } from "node:crypto";
import { parse, validate } from "graphql";
import { timeLeft } from "../../src/alerts/expiry-alert-job";
import { digestOf } from "../../src/alerts/usage-alert-detector";
import { FieldErrors } from "../../src/common/validation";
import { TOUR_DOCUMENT } from "../../src/ide/client/tour";
import { addressBucket, compileAllowlist, displayAddress, readAllowedCidrs } from "../../src/keys/ip-allowlist";
import { readLeakReport, signatureMatches } from "../../src/leaks/leak-routes";
import { buildAppSchema } from "../../src/schema/build-schema";
import { UsageBatch } from "../../src/usage/usage-batch";
import { UsageEventRecord, UsageOutcome } from "../../src/usage/usage-event";

describe("IP allowlist rules", () => {
  it("reads entries back as written, IPv6 canonical lower-case", () => {
    const errors = new FieldErrors();
    expect(readAllowedCidrs(errors, "f", ["10.0.0.0/8", "2001:0DB8::0/32", "::FFFF:10.1.2.3"])).toEqual([
      "10.0.0.0/8",
      "2001:db8::/32",
      "::ffff:10.1.2.3",
    ]);
    expect(errors.size).toBe(0);
    expect(readAllowedCidrs(errors, "f", null)).toBeNull();
  });

  it.each([["10.0.0.1"], ["10.255.0.1"], ["::ffff:10.0.0.1"], ["::FFFF:a00:1"]])(
    "an IPv4 entry and its IPv4-mapped form match alike (%s)",
    (client) => {
      expect(compileAllowlist(["10.0.0.0/8"])!.allows(client)).toBe(true);
    },
  );

  it("matches nothing for a missing or unparseable client address", () => {
    const list = compileAllowlist(["0.0.0.0/0", "::/0"])!;
    expect(list.allows(undefined)).toBe(false);
    expect(list.allows("not-an-ip")).toBe(false);
    expect(list.allows("2001:db8::1")).toBe(true);
  });

  it("shows mapped IPv4 as IPv4 and groups IPv6 by /64", () => {
    expect(displayAddress("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(displayAddress("2001:DB8:0:0:0:0:0:1")).toBe("2001:db8::1");
    expect(addressBucket("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(addressBucket("::ffff:203.0.113.7")).toBe("203.0.113.7");
  });
});

describe("alert pieces", () => {
  it("says how long a key has left in whole days, or hours below a day", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    const at = (ms: number) => new Date(now.getTime() + ms);
    expect(timeLeft(at(7 * 86_400_000), now)).toBe("7 days");
    expect(timeLeft(at(86_400_000), now)).toBe("1 day");
    expect(timeLeft(at(3 * 3_600_000), now)).toBe("3 hours");
    expect(timeLeft(at(60_000), now)).toBe("1 hour");
  });

  it("digests a batch per key and second, counting refusals and leaving out REJECTED", () => {
    const event = (outcome: UsageOutcome, ms: number): UsageEventRecord => ({
      id: "e",
      workspaceId: "w",
      apiKeyId: "k",
      occurredAt: new Date(ms),
      operationType: "query",
      operationName: null,
      resources: [],
      outcome,
      durationMs: null,
    });
    const digest = digestOf(
      UsageBatch.of([
        event(UsageOutcome.ALLOWED, 1000),
        event(UsageOutcome.FORBIDDEN, 1500),
        event(UsageOutcome.IP_NOT_ALLOWED, 1999),
        event(UsageOutcome.REJECTED, 1200),
        event(UsageOutcome.ALLOWED, 2000),
      ]),
    );
    expect(digest).toEqual([
      { k: "k", w: "w", s: 1, t: 1999, n: 3, f: 2 },
      { k: "k", w: "w", s: 2, t: 2000, n: 1, f: 0 },
    ]);
  });
});

describe("leak report checks", () => {
  it("accepts only sha256=<hex HMAC of the raw body> under the secret", () => {
    const body = Buffer.from('[{"token":"x"}]');
    const good = `sha256=${createHmac("sha256", "s".repeat(32)).update(body).digest("hex")}`;
    expect(signatureMatches("s".repeat(32), body, good)).toBe(true);
    expect(signatureMatches("s".repeat(32), body, good.toUpperCase().replace("SHA256", "sha256"))).toBe(true);
    expect(signatureMatches("t".repeat(32), body, good)).toBe(false);
    expect(signatureMatches("s".repeat(32), body, undefined)).toBe(false);
    expect(signatureMatches("s".repeat(32), body, ["x"])).toBe(false);
  });

  it("reads a JSON array of 1–1,000 objects with a string token", () => {
    expect(readLeakReport(Buffer.from('[{"token":"a","url":"u"}]'))).toEqual([{ token: "a", url: "u" }]);
    expect(readLeakReport(Buffer.from("[null]"))).toBeNull();
    expect(readLeakReport(Buffer.from('{"token":"a"}'))).toBeNull();
  });
});

it("the IDE tour mentions the security alerts stream and is valid against the schema", async () => {
  const document = parse(TOUR_DOCUMENT);
  expect(validate(await buildAppSchema(), document)).toEqual([]);
  expect(TOUR_DOCUMENT).toMatch(/subscription SecurityAlerts \{\s+securityAlerts/);
});
