import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const SCRIPT = join(__dirname, "..", "..", "scripts", "check-test-deps.js");

/** Runs the check `npm test` starts with; resolves with its exit code and stderr. */
async function check(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(process.execPath, [SCRIPT], { env: { ...process.env, ...env } });
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

it("passes silently where Redis, Chromium and the database are there", async () => {
  expect(await check({})).toEqual({ code: 0, stderr: "" });
});

it("names everything missing on one line and fails: Redis unreachable, no Chromium", async () => {
  const { code, stderr } = await check({ REDIS_URL: "redis://127.0.0.1:1", CHROMIUM_PATH: "/nonexistent/chromium" });
  expect(code).toBe(1);
  expect(stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(stderr).toMatch(/^npm test needs /);
  expect(stderr).toContain("Redis at redis://127.0.0.1:1 (ECONNREFUSED");
  expect(stderr).toContain("Chromium at /nonexistent/chromium (not found");
});

it("names an unreachable DATABASE_URL without its password", async () => {
  const { code, stderr } = await check({ DATABASE_URL: "postgres://app:hunter2@127.0.0.1:1/grantql" });
  expect(code).toBe(1);
  expect(stderr.trim()).toBe(
    "npm test needs PostgreSQL at postgres://app:****@127.0.0.1:1/grantql (ECONNREFUSED; or unset DATABASE_URL to use the embedded one)",
  );
});
