import { isIPv4, isIPv6 } from "node:net";
import { availableParallelism } from "node:os";

/**
 * The environment, parsed once into a typed, frozen Config. A bad value stops the start with one
 * line naming the variable (ConfigError), rather than surfacing later as a confusing failure.
 */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** A postgres:// URL, or undefined for the embedded PostgreSQL under dataDir. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** SHUTDOWN_TIMEOUT: after a SIGTERM, the process exits (non-zero) by this deadline whatever it waits on. */
  readonly shutdownTimeoutSeconds: number;
  readonly redisUrl: string | undefined;
  readonly signupEnabled: boolean;
  readonly sessionTtlSeconds: number;
  readonly logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** log2 of scrypt's N for new password hashes (stored hashes keep their own parameters). */
  readonly scryptCost: number;
  /** How long a verified API key may be served from this process's cache before it is checked again. */
  readonly keyCacheTtlMs: number;
  readonly introspection: boolean;
  readonly dbPoolMax: number;
  /** METRICS_PUBLIC=true serves `GET /metrics` on the public port too; off by default. */
  readonly metricsPublic: boolean;
  /** METRICS_PORT: a separate listener serving only `GET /metrics`; unset, none. */
  readonly metricsPort: number | undefined;
  /** Days raw usage events are kept (USAGE_RETENTION_DAYS); rollups keep the counters exact regardless. */
  readonly usageRetentionDays: number;
  /** Days audit entries are kept (AUDIT_RETENTION_DAYS), then deleted by the retention job. */
  readonly auditRetentionDays: number;
  /** How often buffered usage events are written (USAGE_FLUSH_INTERVAL_MS); a crash loses at most this much. */
  readonly usageFlushIntervalMs: number;
  /** Most usage events held in memory while the database is slow or down (USAGE_BUFFER_MAX). */
  readonly usageBufferMax: number;
  /** RESPONSE_MAX_BYTES: an answer whose JSON is larger is refused instead of sent, on both transports. */
  readonly responseMaxBytes: number;
  /** NODE_ENV=development: field suggestions ("Did you mean …") are shown only then. */
  readonly development: boolean;
  /** Origins a browser may call from (`CORS_ORIGINS`, comma-separated); empty allows none, `*` any without credentials. */
  readonly corsOrigins: readonly string[];
  /**
   * Express's `trust proxy` (`TRUST_PROXY`): false (default) takes the client address from the
   * socket; behind a load balancer set the hop count or the proxies' addresses, or every client
   * shares the balancer's address and one guesser locks everyone's sign-in.
   */
  readonly trustProxy: boolean | number | string;
  /** LEAK_REPORT_SECRET: the HMAC key of `POST /leaks` reports; unset, the endpoint answers 404. */
  readonly leakReportSecret: string | undefined;
  /** How often the security-alert scan looks for expiring and expired keys (ALERT_SCAN_INTERVAL_MS, ≤ 60 s). */
  readonly alertScanIntervalMs: number;
  /** Prepended to every Redis key this service stores (rate-limit windows, sign-in failures), to share one Redis between deployments. */
  readonly redisKeyPrefix: string;
  /** Token guessing per client address (see src/throttles/token-guess-throttle.ts). */
  readonly tokenGuess: {
    readonly limit: number;
    readonly windowSeconds: number;
    readonly lockSeconds: number;
  };
  /** What one member session may hold open over WebSocket, per instance (see src/server/websocket.ts). */
  readonly webSocket: {
    /** WS_MAX_SOCKETS_PER_SESSION: sockets of one session; the next connection_init closes with 4429. */
    readonly maxSocketsPerSession: number;
    /** WS_MAX_SUBSCRIPTIONS_PER_SOCKET: operations open at once on one socket (running subscriptions, unanswered queries). */
    readonly maxOperationsPerSocket: number;
  };
  /** Sign-in abuse limits (see src/throttles/sign-in-throttle.ts). */
  readonly signInThrottle: {
    readonly slowdownAfter: number;
    readonly lockAfter: number;
    readonly ipLockAfter: number;
    readonly windowSeconds: number;
    readonly lockSeconds: number;
  };
}

function redisKeyPrefix(env: Env): string {
  const raw = env.REDIS_KEY_PREFIX ?? "";
  if (!/^[A-Za-z0-9:_.-]{0,64}$/.test(raw)) throw new ConfigError("REDIS_KEY_PREFIX", "must be up to 64 letters, digits or : _ . -", raw);
  return raw;
}

/** Distinct characters, whitespace aside, a leak-report secret needs: 32 spaces or one repeated letter are no secret. */
const SECRET_MIN_DISTINCT = 10;

/** At least 32 characters when set: it is the only thing standing between anyone and revoking keys. */
function leakReportSecret(env: Env): string | undefined {
  const raw = env.LEAK_REPORT_SECRET;
  if (raw === undefined || raw === "") return undefined;
  const distinct = new Set(raw.replace(/\s/g, "")).size;
  if (raw.length < 32 || raw.length > 512 || distinct < SECRET_MIN_DISTINCT) {
    const rule = `must be 32 to 512 characters with at least ${SECRET_MIN_DISTINCT} different non-space characters (a random string)`;
    throw new ConfigError("LEAK_REPORT_SECRET", rule, "(hidden)");
  }
  return raw;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    rule: string,
    value: string,
  ) {
    super(`${variable} ${rule} (got ${JSON.stringify(value)})`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/**
 * `DB_POOL_MAX` unset: PostgreSQL's rule of thumb for busy connections, twice the cores plus one, counted
 * on this machine (where the embedded database runs; set it for a database with more cores), at most
 * 10. On 2 cores that is 5: ten connections there share two cores among ten backends, each statement
 * waits on the others, and the slowest answers wait longest (bench/README.md, the peers).
 */
export function defaultPoolMax(cores = availableParallelism()): number {
  return Math.min(10, 2 * cores + 1);
}

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

/** `CORS_ORIGINS`: `*`, or a comma-separated list of origins such as https://app.example.com. */
function origins(env: Env, name: string): string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return [];
  if (raw.trim() === "*") return ["*"];
  return raw
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      let parsed: URL | undefined;
      try {
        parsed = new URL(part);
      } catch {
        parsed = undefined;
      }
      if (!parsed || !["http:", "https:"].includes(parsed.protocol) || parsed.origin !== part.replace(/\/$/, "")) {
        throw new ConfigError(name, "must be * or a comma-separated list of origins like https://app.example.com (no path)", raw);
      }
      return parsed.origin;
    });
}

/** `TRUST_PROXY`: true/false, a hop count, or addresses/subnets/names as Express accepts (loopback, 10.0.0.0/8, …). */
function trustProxy(env: Env, name: string): boolean | number | string {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return false;
  if (/^\d+$/.test(raw)) return Number(raw);
  if (["true", "false"].includes(raw.toLowerCase())) return raw.toLowerCase() === "true";
  if (!/^[0-9A-Za-z.:/, ]+$/.test(raw))
    throw new ConfigError(name, "must be true, false, a hop count, or comma-separated addresses/subnets", raw);
  const wide = raw.split(",").find((entry) => trustsEveryone(entry.trim()));
  if (wide !== undefined) {
    const rule = `must name the proxies' subnets, not ${wide.trim()}, which trusts (almost) every address so any client could forge its own with X-Forwarded-For; give a hop count or the proxies' subnets (at most /8 for IPv4, /7 for IPv6)`;
    throw new ConfigError(name, rule, raw);
  }
  return raw;
}

/**
 * A subnet wider than any private range (IPv4 shorter than /8, IPv6 shorter than /7, IPv4-mapped IPv6 shorter than
 * /104): `0.0.0.0/0` and `::/0` trust every client, as `true` does, but look like an address list.
 */
function trustsEveryone(entry: string): boolean {
  const match = /^(.+)\/(.+)$/.exec(entry);
  if (!match) return false;
  const [, address, bits] = match;
  // proxy-addr also takes a netmask (10.0.0.0/255.0.0.0): its length is its count of one bits.
  const prefix = isIPv4(bits)
    ? bits.split(".").reduce((n, octet) => n + Number(octet).toString(2).replace(/0/g, "").length, 0)
    : Number(bits);
  if (isIPv4(address)) return prefix < 8;
  if (!isIPv6(address)) return false;
  const mapped = /^(::|(0{1,4}:){5})ffff:/i.test(address);
  return mapped ? prefix < 96 + 8 : prefix < 7;
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
    shutdownTimeoutSeconds: duration(env, "SHUTDOWN_TIMEOUT", 25, 1, 600),
    redisUrl: url(env, "REDIS_URL", ["redis:", "rediss:"]),
    signupEnabled: boolean(env, "SIGNUP_ENABLED", true),
    sessionTtlSeconds: duration(env, "SESSION_TTL", 12 * 3600, 60, 30 * 86400),
    logLevel: logLevel as Config["logLevel"],
    scryptCost: integer(env, "SCRYPT_COST", 17, 10, 20),
    keyCacheTtlMs: integer(env, "KEY_CACHE_TTL_MS", 1000, 0, 1000),
    introspection: boolean(env, "INTROSPECTION", true),
    dbPoolMax: integer(env, "DB_POOL_MAX", defaultPoolMax(), 1, 100),
    metricsPublic: boolean(env, "METRICS_PUBLIC", false),
    metricsPort: env.METRICS_PORT?.trim() ? integer(env, "METRICS_PORT", 0, 0, 65535) : undefined,
    usageRetentionDays: integer(env, "USAGE_RETENTION_DAYS", 35, 1, 3650),
    auditRetentionDays: integer(env, "AUDIT_RETENTION_DAYS", 365, 1, 3650),
    usageFlushIntervalMs: integer(env, "USAGE_FLUSH_INTERVAL_MS", 1000, 10, 1000),
    usageBufferMax: integer(env, "USAGE_BUFFER_MAX", 100_000, 100, 10_000_000),
    responseMaxBytes: integer(env, "RESPONSE_MAX_BYTES", 4 * 1024 * 1024, 65_536, 1024 * 1024 * 1024),
    development: env.NODE_ENV === "development",
    corsOrigins: Object.freeze(origins(env, "CORS_ORIGINS")),
    trustProxy: trustProxy(env, "TRUST_PROXY"),
    redisKeyPrefix: redisKeyPrefix(env),
    tokenGuess: Object.freeze({
      limit: integer(env, "TOKEN_GUESS_LIMIT", 100, 1, 100_000),
      windowSeconds: duration(env, "TOKEN_GUESS_WINDOW", 60, 1, 3600),
      lockSeconds: duration(env, "TOKEN_GUESS_LOCK", 60, 1, 86400),
    }),
    leakReportSecret: leakReportSecret(env),
    alertScanIntervalMs: integer(env, "ALERT_SCAN_INTERVAL_MS", 30_000, 100, 60_000),
    webSocket: Object.freeze({
      maxSocketsPerSession: integer(env, "WS_MAX_SOCKETS_PER_SESSION", 10, 1, 1000),
      maxOperationsPerSocket: integer(env, "WS_MAX_SUBSCRIPTIONS_PER_SOCKET", 20, 1, 1000),
    }),
    signInThrottle: Object.freeze({
      slowdownAfter: integer(env, "SIGNIN_SLOWDOWN_AFTER", 3, 1, 1000),
      lockAfter: integer(env, "SIGNIN_LOCK_AFTER", 10, 1, 1000),
      ipLockAfter: integer(env, "SIGNIN_IP_LOCK_AFTER", 50, 1, 100000),
      windowSeconds: duration(env, "SIGNIN_WINDOW", 15 * 60, 1, 86400),
      lockSeconds: duration(env, "SIGNIN_LOCK", 15 * 60, 1, 86400),
    }),
  });
}
