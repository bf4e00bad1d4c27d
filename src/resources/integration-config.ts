import { FieldErrors } from "../common/validation";

/** What a secret reads back as, to everyone, always. */
export const SECRET_MASK = "********";
/** Keys whose values are write-only: secret, token, password, apiKey (api_key, api-key), at any depth, any case. */
const SECRET_KEY = /secret|token|password|api[-_]?key/i;
const MAX_BYTES = 16 * 1024;
const MAX_DEPTH = 10;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

const isObject = (value: unknown): value is Record<string, Json> => typeof value === "object" && value !== null && !Array.isArray(value);

/** A copy of `config` with every value under a secret-looking key replaced by the mask. */
export function maskConfig(config: unknown): unknown {
  if (Array.isArray(config)) return config.map(maskConfig);
  if (!isObject(config)) return config;
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => [key, isSecretKey(key) && value !== null ? SECRET_MASK : maskConfig(value)]),
  );
}

/**
 * Checks a config sent by a client and resolves the mask: where a secret-looking key carries
 * `"********"` (a config read back and sent again), the stored value at the same path is kept.
 * A mask with nothing stored behind it is refused rather than saved as a secret.
 */
export function readConfig(errors: FieldErrors, field: string, value: unknown, stored: unknown): Record<string, Json> | null {
  if (value === null) return null;
  if (!errors.check(isObject(value), field, "must be a JSON object")) return null;
  const serialized = JSON.stringify(value);
  if (!errors.check(Buffer.byteLength(serialized) <= MAX_BYTES, field, `must be at most ${MAX_BYTES / 1024} KiB as JSON`)) return null;
  // PostgreSQL's jsonb cannot hold U+0000, in keys or in strings.
  if (!errors.check(!serialized.includes("\\u0000"), field, "must not contain NUL characters")) return null;
  return resolve(errors, field, value as Json, stored, 1) as Record<string, Json>;
}

function resolve(errors: FieldErrors, path: string, value: Json, stored: unknown, depth: number): Json {
  if (depth > MAX_DEPTH) {
    errors.add(path, `must not nest deeper than ${MAX_DEPTH} levels`);
    return null;
  }
  if (Array.isArray(value))
    return value.map((item, i) => resolve(errors, `${path}.${i}`, item, Array.isArray(stored) ? stored[i] : undefined, depth + 1));
  if (!isObject(value)) return value;
  const result: Record<string, Json> = {};
  for (const [key, item] of Object.entries(value)) {
    const before: Json | undefined = isObject(stored) ? stored[key] : undefined;
    if (isSecretKey(key) && item === SECRET_MASK) {
      if (
        errors.check(
          before !== undefined && before !== null,
          `${path}.${key}`,
          "is the mask of a secret that is not stored; send the secret itself",
        )
      )
        result[key] = before as Json;
      continue;
    }
    result[key] = resolve(errors, `${path}.${key}`, item, before, depth + 1);
  }
  return result;
}
