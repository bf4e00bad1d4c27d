import fc from "fast-check";
import { crc32 } from "node:zlib";
import {
  API_KEY_PATTERN,
  BASE62,
  base62,
  checksumOf,
  isWellFormedApiKey,
  isWellFormedSession,
  issueApiKeySecret,
  randomBase62,
  SESSION_PATTERN,
  issueSessionSecret,
  parseBearer,
  sha256,
} from "../../src/auth/token";

const base62Char = fc.constantFrom(...BASE62.split(""));
const random32 = fc.array(base62Char, { minLength: 32, maxLength: 32 }).map((a) => a.join(""));

describe("API key format", () => {
  it("an issued key is gqk_ + 32 base62 + a 6-character base62 CRC-32 of the random part, and matches the scanner pattern", () => {
    for (let i = 0; i < 200; i++) {
      const { secret, prefix, digest } = issueApiKeySecret();
      expect(secret).toHaveLength(42);
      expect(secret).toMatch(API_KEY_PATTERN);
      expect(/\bgqk_[0-9A-Za-z]{38}\b/.test(`leaked: ${secret}.`)).toBe(true);
      const random = secret.slice(4, 36);
      expect(secret.slice(36)).toBe(base62(crc32(Buffer.from(random, "ascii")), 6));
      expect(prefix).toBe(secret.slice(4, 12));
      expect(digest).toBe(sha256(secret));
      expect(isWellFormedApiKey(secret)).toBe(true);
    }
  });

  it("the checksum is written most significant digit first and left-padded with 0", () => {
    expect(base62(0, 6)).toBe("000000");
    expect(base62(61, 6)).toBe("00000z");
    expect(base62(62, 6)).toBe("000010");
    expect(base62(0xffffffff, 6)).toBe("4gfFC3");
  });

  it("accepts every 32-character base62 string with its checksum (property)", () => {
    fc.assert(fc.property(random32, (random) => isWellFormedApiKey(`gqk_${random}${checksumOf(random)}`)));
  });

  it("refuses any single-character change to a valid key (property)", () => {
    fc.assert(
      fc.property(random32, fc.nat(37), base62Char, (random, position, replacement) => {
        const key = `gqk_${random}${checksumOf(random)}`;
        const chars = key.split("");
        fc.pre(chars[4 + position] !== replacement);
        chars[4 + position] = replacement;
        return !isWellFormedApiKey(chars.join(""));
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws and never accepts an arbitrary string (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (s) => {
        expect(() => parseBearer(s)).not.toThrow();
        expect(() => parseBearer(`Bearer ${s}`)).not.toThrow();
        return !isWellFormedApiKey(s) || /^gqk_[0-9A-Za-z]{38}$/.test(s);
      }),
      { numRuns: 3000 },
    );
  });

  it("issues distinct secrets", () => {
    const secrets = new Set(Array.from({ length: 1000 }, () => issueApiKeySecret().secret));
    expect(secrets.size).toBe(1000);
  });
});

describe("session tokens and random text", () => {
  it("a session token is gqs_ + 43 base62 characters, its prefix the first 8, its digest the SHA-256", () => {
    const { secret, prefix, digest } = issueSessionSecret();
    expect(secret).toMatch(/^gqs_[0-9A-Za-z]{43}$/);
    expect(SESSION_PATTERN.test(secret)).toBe(true);
    expect(prefix).toBe(secret.slice(4, 12));
    expect(digest).toBe(sha256(secret));
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(sha256("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(isWellFormedSession(secret)).toBe(true);
    expect(isWellFormedSession(`${secret}x`)).toBe(false);
    expect(isWellFormedSession(42 as unknown as string)).toBe(false);
    expect(isWellFormedApiKey(42 as unknown as string)).toBe(false);
    expect(parseBearer(`Bearer ${secret}`)).toEqual({ kind: "session", token: secret });
  });

  it("randomBase62 gives exactly the length asked for, every base62 character and no other", () => {
    expect(randomBase62(0)).toBe("");
    expect(randomBase62(1)).toHaveLength(1);
    const text = randomBase62(62_000);
    expect(text).toMatch(/^[0-9A-Za-z]{62000}$/);
    expect(new Set(text).size).toBe(62);
    // Uniform: bytes ≥ 248 are dropped, not folded onto the first eight characters (which would make
    // those 5/4 as likely as the rest; about 1.00 ± 0.03 here).
    const counts = [...BASE62].map((c) => text.split(c).length - 1);
    const mean = (list: number[]) => list.reduce((a, b) => a + b, 0) / list.length;
    expect(mean(counts.slice(0, 8)) / mean(counts.slice(8))).toBeLessThan(1.12);
    expect(counts[0] / mean(counts.slice(8))).toBeLessThan(1.15); // byte 248 is dropped too, not read as "0"
  });
});

describe("Authorization header parsing", () => {
  // Fixed tokens: the tests' titles show them, and mutation testing finds a test again by its title.
  const key = `gqk_${"k".repeat(32)}${checksumOf("k".repeat(32))}`;
  const session = `gqs_${"s".repeat(43)}`;

  it.each([
    [undefined, "none"],
    ["", "none"],
    ["Bearer", "none"],
    ["Bearer ", "none"],
    ["   ", "none"],
    [`Bearer ${key}`, "apiKey"],
    [`bearer ${key}`, "apiKey"],
    [`Bearer ${session}`, "session"],
    [`Basic ${key}`, "malformed"],
    [key, "malformed"],
    [`Bearer ${key} extra`, "malformed"],
    [`Bearer ${key.slice(0, 41)}`, "malformed"],
    [`Bearer ${key}x`, "malformed"],
    [`Bearer gqk_${"A".repeat(38)}`, "malformed"],
    [`Bearer ${session.slice(0, 20)}`, "malformed"],
    ["Bearer \u0000", "malformed"],
    ["xbearer", "malformed"],
    [`xbearer ${key}`, "malformed"],
    ["Token", "malformed"],
  ])("%j is %s", (header, kind) => {
    expect(parseBearer(header).kind).toBe(kind);
  });

  it.each([
    `Bearer ${key}`,
    `Bearer  ${key}`,
    ` Bearer ${key}`,
    `Bearer ${key} `,
    `Bearer ${key}\n`,
    `BEARER ${key}`,
    `\tbearer   ${key}\t`,
  ])("%j carries the key itself, on the common path or the general one", (header) => {
    expect(parseBearer(header)).toEqual({ kind: "apiKey", token: key });
  });

  it("a non-string header (from a WebSocket payload) is malformed, not a crash", () => {
    expect(parseBearer(42).kind).toBe("malformed");
    expect(parseBearer({ token: key }).kind).toBe("malformed");
    expect(parseBearer(null).kind).toBe("none");
  });
});
