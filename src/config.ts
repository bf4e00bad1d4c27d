/**
 * The environment, parsed once into a typed, frozen Config. A bad value stops the start with one
 * line naming the variable (ConfigError), rather than surfacing later as a confusing failure.
 */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** A postgres:// URL, or undefined for the embedded PGlite database under dataDir. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly redisUrl: string | undefined;
  readonly signupEnabled: boolean;
  readonly sessionTtlSeconds: number;
  readonly logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  readonly production: boolean;
  /** log2 of scrypt's N for new password hashes (stored hashes keep their own parameters). */
  readonly scryptCost: number;
  /** How long a verified API key may be served from this process's cache before it is checked again. */
  readonly keyCacheTtlMs: number;
  readonly introspection: boolean;
  readonly dbPoolMax: number;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, rule: string, value: string) {
    super(`${variable} ${rule} (got ${JSON.stringify(value)})`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max}`, raw);
  }
  return Number(raw);
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = raw.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(value)) return true;
  if (["false", "0", "no", "off"].includes(value)) return false;
  throw new ConfigError(name, "must be true or false", raw);
}

/** Durations are seconds, or a number with a unit: 90s, 30m, 12h, 7d. */
function duration(env: Env, name: string, fallbackSeconds: number, minSeconds: number, maxSeconds: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallbackSeconds;
  const match = /^(\d+)\s*([smhd]?)$/.exec(raw.trim());
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[match?.[2] ?? ""] ?? 1;
  const seconds = match ? Number(match[1]) * unit : NaN;
  if (!(seconds >= minSeconds && seconds <= maxSeconds)) {
    throw new ConfigError(name, `must be a duration from ${minSeconds}s to ${maxSeconds}s, such as 3600, 90m or 12h`, raw);
  }
  return seconds;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw.trim());
  } catch {
    throw new ConfigError(name, `must be a URL (${protocols.join(" or ")})`, redactUrl(raw));
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must be a ${protocols.join(" or ")} URL`, redactUrl(raw));
  }
  return raw.trim();
}

/** Keeps a password in a connection URL out of an error message. */
export function redactUrl(raw: string): string {
  return raw.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:****@");
}

export function loadConfig(env: Env = process.env): Config {
  const logLevel = (env.LOG_LEVEL ?? "info").trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError("LOG_LEVEL", `must be one of ${LOG_LEVELS.join(", ")}`, env.LOG_LEVEL ?? "");
  }
  return Object.freeze({
    port: integer(env, "PORT", 4000, 0, 65535),
    host: env.HOST?.trim() || "0.0.0.0",
    databaseUrl: url(env, "DATABASE_URL", ["postgres:", "postgresql:"]),
    dataDir: env.DATA_DIR?.trim() || "./.data",
    redisUrl: url(env, "REDIS_URL", ["redis:", "rediss:"]),
    signupEnabled: boolean(env, "SIGNUP_ENABLED", true),
    sessionTtlSeconds: duration(env, "SESSION_TTL", 12 * 3600, 60, 30 * 86400),
    logLevel: logLevel as Config["logLevel"],
    production: env.NODE_ENV === "production",
    scryptCost: integer(env, "SCRYPT_COST", 17, 10, 20),
    keyCacheTtlMs: integer(env, "KEY_CACHE_TTL_MS", 1000, 0, 1000),
    introspection: boolean(env, "INTROSPECTION", true),
    dbPoolMax: integer(env, "DB_POOL_MAX", 10, 1, 100),
  });
}
