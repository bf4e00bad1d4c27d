import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { freePort, ServerProcess } from "./server-process";

/** The peer's own folder (its package.json and lock file), outside the server's dependencies. */
const FOLDER = resolve(__dirname, "../../../bench/postgraphile");
const BIN = resolve(FOLDER, "node_modules/postgraphile/cli.js");

/** Installs the peer from its lock file on first use (`npm ci --prefix bench/postgraphile`). */
function ensureInstalled(): void {
  if (existsSync(BIN)) return;
  console.log("installing PostGraphile into bench/postgraphile …");
  execFileSync("npm", ["ci", "--prefix", FOLDER, "--no-audit", "--no-fund"], { stdio: "inherit" });
}

/**
 * PostGraphile v4 on the same database, as a team would point it at these tables: the public
 * schema, no query log, no auth at all. Ready once it answers `{ __typename }`.
 */
export async function startPostGraphile(databaseUrl: string): Promise<ServerProcess> {
  ensureInstalled();
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [BIN, "-c", databaseUrl, "--schema", "public", "--port", String(port), "--host", "127.0.0.1", "--disable-query-log"],
    {
      env: { ...process.env, NODE_ENV: "production" },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  const url = `http://127.0.0.1:${port}/graphql`;
  const ready = () =>
    fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: '{"query":"{ __typename }"}' }).then(
      (r) => r.ok,
      () => false,
    );
  const deadline = Date.now() + 60_000;
  while (!(await ready())) {
    if (child.exitCode !== null) throw new Error(`PostGraphile exited with ${child.exitCode} during start`);
    if (Date.now() > deadline) throw new Error("PostGraphile not ready within 60 s");
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port,
    pid: child.pid!,
    rssMiB: () => 0,
    stop: async () => {
      child.kill("SIGTERM");
      return exited;
    },
  };
}
