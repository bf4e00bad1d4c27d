import { availableParallelism } from "node:os";
import { ConfigError, defaultPoolMax, loadConfig } from "../../src/config";

const SECRET = "leak-relay-shared-secret-0123456789abcdef";

describe("configuration", () => {
  it("has working defaults", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      databaseUrl: undefined,
      dataDir: "./.data",
      signupEnabled: true,
      sessionTtlSeconds: 43200,
      keyCacheTtlMs: 1000,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("opens twice the cores plus one database connections by default, at most 10; DB_POOL_MAX sets it", () => {
    expect([1, 2, 4, 5, 64].map((cores) => defaultPoolMax(cores))).toEqual([3, 5, 9, 10, 10]);
    expect(loadConfig({}).dbPoolMax).toBe(Math.min(10, 2 * availableParallelism() + 1));
    expect(loadConfig({ DB_POOL_MAX: "20" }).dbPoolMax).toBe(20);
    expect(() => loadConfig({ DB_POOL_MAX: "0" })).toThrow(/^DB_POOL_MAX/);
  });

  it.each([
    [{ PORT: "abc" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ DATABASE_URL: "mysql://x@y/z" }, "DATABASE_URL"],
    [{ DATABASE_URL: "not a url" }, "DATABASE_URL"],
    [{ REDIS_URL: "http://x" }, "REDIS_URL"],
    [{ SIGNUP_ENABLED: "maybe" }, "SIGNUP_ENABLED"],
    [{ SESSION_TTL: "12 parsecs" }, "SESSION_TTL"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ KEY_CACHE_TTL_MS: "5000" }, "KEY_CACHE_TTL_MS"],
    [{ LEAK_REPORT_SECRET: "too-short" }, "LEAK_REPORT_SECRET"],
    [{ ALERT_SCAN_INTERVAL_MS: "120000" }, "ALERT_SCAN_INTERVAL_MS"],
  ])("refuses %j with one line naming %s", (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (error) {
      expect((error as ConfigError).variable).toBe(variable);
      expect((error as Error).message.startsWith(variable)).toBe(true);
      expect((error as Error).message).not.toContain("\n");
    }
  });

  it("never echoes LEAK_REPORT_SECRET in its error; unset, leak reports are off", () => {
    expect(() => loadConfig({ LEAK_REPORT_SECRET: "hunter2-hunter2" })).toThrow(ConfigError);
    expect(() => loadConfig({ LEAK_REPORT_SECRET: "hunter2-hunter2" })).not.toThrow(/hunter2/);
    expect(loadConfig({}).leakReportSecret).toBeUndefined();
    expect(loadConfig({ LEAK_REPORT_SECRET: SECRET }).leakReportSecret).toBe(SECRET);
  });

  it.each([
    ["32 spaces", " ".repeat(32)],
    ["one repeated character", "s".repeat(32)],
    ["two characters alternating", "ab".repeat(20)],
    ["nine distinct characters padded with spaces", `${"abcdefghi".repeat(4)}        `],
  ])("refuses a LEAK_REPORT_SECRET of %s, naming the variable and the rule", (_what, secret) => {
    expect(() => loadConfig({ LEAK_REPORT_SECRET: secret })).toThrow(
      /^LEAK_REPORT_SECRET must be 32 to 512 characters with at least 10 different non-space characters/,
    );
  });

  it("accepts a random LEAK_REPORT_SECRET, such as 32 hex digits or a passphrase", () => {
    for (const secret of ["0123456789abcdef0123456789abcdef", "correct horse battery staple lamp"]) {
      expect(loadConfig({ LEAK_REPORT_SECRET: secret }).leakReportSecret).toBe(secret);
    }
  });

  it.each(["0.0.0.0/0", "::/0", "loopback, 0.0.0.0/0", "10.0.0.0/8,::/0", "0.0.0.0/1", "0.0.0.0/0.0.0.0", "::ffff:0.0.0.0/96", "8000::/1"])(
    "refuses TRUST_PROXY=%s, which trusts every client, naming the variable",
    (value) => {
      expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(
        /^TRUST_PROXY must name the proxies' subnets, not .* which trusts \(almost\) every address/,
      );
    },
  );

  it.each([
    ["1", 1],
    ["true", true],
    ["loopback, 10.0.0.0/8", "loopback, 10.0.0.0/8"],
    ["fc00::/7, 172.16.0.0/12", "fc00::/7, 172.16.0.0/12"],
    ["10.0.0.0/255.0.0.0", "10.0.0.0/255.0.0.0"],
    ["::ffff:10.0.0.0/104", "::ffff:10.0.0.0/104"],
    ["203.0.113.7", "203.0.113.7"],
  ])("accepts TRUST_PROXY=%s", (value, expected) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toBe(expected);
  });

  it("never echoes a database password in its error", () => {
    expect(() => loadConfig({ DATABASE_URL: "mysql://user:hunter2@db/x" })).toThrow(/user:\*\*\*\*@/);
  });

  it.each([
    ["90", 90],
    ["90s", 90],
    ["30m", 1800],
    ["12h", 43200],
    ["7d", 604800],
  ])("reads SESSION_TTL=%s as %d seconds", (raw, seconds) => {
    expect(loadConfig({ SESSION_TTL: raw }).sessionTtlSeconds).toBe(seconds);
  });

  it("SHUTDOWN_TIMEOUT defaults to 25 s, reads a duration, and refuses 0 with one line naming it", () => {
    expect(loadConfig({}).shutdownTimeoutSeconds).toBe(25);
    expect(loadConfig({ SHUTDOWN_TIMEOUT: "2m" }).shutdownTimeoutSeconds).toBe(120);
    expect(() => loadConfig({ SHUTDOWN_TIMEOUT: "0" })).toThrow(/^SHUTDOWN_TIMEOUT must be a duration/);
  });
});

describe("abuse limits and retention", () => {
  it("defaults: an answer may be 4 MiB; RESPONSE_MAX_BYTES sets it from 64 KiB", () => {
    expect(loadConfig({}).responseMaxBytes).toBe(4 * 1024 * 1024);
    expect(loadConfig({ RESPONSE_MAX_BYTES: "65536" }).responseMaxBytes).toBe(65536);
  });

  it("defaults: 100 unknown tokens per 60 s lock an address for 60 s; audit entries are kept 365 days", () => {
    expect(loadConfig({})).toMatchObject({ tokenGuess: { limit: 100, windowSeconds: 60, lockSeconds: 60 }, auditRetentionDays: 365 });
  });

  it.each([
    [{ TOKEN_GUESS_LIMIT: "0" }, "TOKEN_GUESS_LIMIT"],
    [{ TOKEN_GUESS_WINDOW: "2h" }, "TOKEN_GUESS_WINDOW"],
    [{ TOKEN_GUESS_LOCK: "soon" }, "TOKEN_GUESS_LOCK"],
    [{ AUDIT_RETENTION_DAYS: "0" }, "AUDIT_RETENTION_DAYS"],
    [{ AUDIT_RETENTION_DAYS: "forever" }, "AUDIT_RETENTION_DAYS"],
    [{ RESPONSE_MAX_BYTES: "65535" }, "RESPONSE_MAX_BYTES"],
    [{ RESPONSE_MAX_BYTES: "4MB" }, "RESPONSE_MAX_BYTES"],
  ])("refuses %j naming %s", (env, variable) => {
    expect(() => loadConfig(env)).toThrow(expect.objectContaining({ variable }));
  });
});
