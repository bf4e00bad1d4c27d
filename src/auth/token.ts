import { hash, randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";

/**
 * Token formats (docs/API.md, "Tokens"). An API key is `gqk_` + 32 random base62 characters + a
 * 6-character base62 CRC-32 of those 32, so a mistyped or truncated key is refused without a
 * database look-up and secret scanners can recognise leaked keys.
 */
export const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export const API_KEY_PREFIX = "gqk_";
export const SESSION_PREFIX = "gqs_";
export const API_KEY_PATTERN = /^gqk_[0-9A-Za-z]{38}$/;
export const SESSION_PATTERN = /^gqs_[0-9A-Za-z]{43}$/;
const RANDOM_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const SESSION_RANDOM_LENGTH = 43; // about 256 bits

/** Uniform random base62: bytes ≥ 248 are dropped so that no character is more likely than another. */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

export function base62(value: number, width: number): string {
  let out = "";
  let rest = value;
  do {
    out = BASE62[rest % 62] + out;
    rest = Math.floor(rest / 62);
  } while (rest > 0);
  return out.padStart(width, "0");
}

/** The checksum of a key's random part: base62 characters are ASCII, so CRC-32 reads the string as it is, without a copy. */
export function checksumOf(random: string): string {
  return base62(crc32(random), CHECKSUM_LENGTH);
}

/** Hex SHA-256 of a UTF-8 string; the one-shot `hash` costs a fifth of a `createHash` chain on every request. */
export function sha256(secret: string): string {
  return hash("sha256", secret, "hex");
}

export interface IssuedSecret {
  secret: string;
  /** The first 8 characters after the type prefix: shown to people to recognise a key. */
  prefix: string;
  digest: string;
}

export function issueApiKeySecret(): IssuedSecret {
  const random = randomBase62(RANDOM_LENGTH);
  const secret = `${API_KEY_PREFIX}${random}${checksumOf(random)}`;
  return { secret, prefix: random.slice(0, 8), digest: sha256(secret) };
}

export function issueSessionSecret(): IssuedSecret {
  const random = randomBase62(SESSION_RANDOM_LENGTH);
  const secret = `${SESSION_PREFIX}${random}`;
  return { secret, prefix: random.slice(0, 8), digest: sha256(secret) };
}

/** True when the key has the right shape and its checksum matches; never throws. */
export function isWellFormedApiKey(token: string): boolean {
  if (typeof token !== "string" || !API_KEY_PATTERN.test(token)) return false;
  const random = token.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + RANDOM_LENGTH);
  // checksumOf(random) compared as a number: the token's last six characters read as base62, no string built.
  let checksum = 0;
  for (let i = API_KEY_PREFIX.length + RANDOM_LENGTH; i < token.length; i++) checksum = checksum * 62 + BASE62_VALUE[token.charCodeAt(i)];
  return checksum === crc32(random);
}

/** Each base62 character's value, by character code. */
const BASE62_VALUE = Array.from({ length: 128 }, (_, code) => BASE62.indexOf(String.fromCharCode(code)));

export function isWellFormedSession(token: string): boolean {
  return typeof token === "string" && SESSION_PATTERN.test(token);
}

export type BearerToken = { kind: "none" } | { kind: "malformed" } | { kind: "apiKey"; token: string } | { kind: "session"; token: string };

/**
 * Reads an `Authorization` header value. An absent header, or a bare `Bearer ` with nothing after
 * it (what an IDE's empty headers template sends), carries no credential; anything else that is
 * not a well-formed grantql token is malformed.
 */
export function parseBearer(header: unknown): BearerToken {
  if (header === undefined || header === null) return { kind: "none" };
  if (typeof header !== "string") return { kind: "malformed" };
  // What nearly every request sends, read without trimming or matching the header: the answer is the one below.
  // Stryker disable all: a shortcut; the general reading below gives every header the same answer
  if (header.startsWith("Bearer ")) {
    const token = header.slice(7);
    if (isWellFormedApiKey(token)) return { kind: "apiKey", token };
  }
  // Stryker restore all
  const value = header.trim();
  if (value === "" || /^bearer$/i.test(value)) return { kind: "none" };
  const match = /^bearer +(\S+)$/i.exec(value);
  if (!match) return { kind: "malformed" };
  const token = match[1];
  if (isWellFormedApiKey(token)) return { kind: "apiKey", token };
  if (isWellFormedSession(token)) return { kind: "session", token };
  return { kind: "malformed" };
}
