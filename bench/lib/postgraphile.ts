import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { freePort, ServerProcess } from "./server-process";

/** The two PostGraphiles the benchmark compares with, each in its own folder with its package.json and lock file. */
export type PostGraphileVersion = 4 | 5;

interface Peer {
  /** Its folder, outside the server's dependencies. */
  folder: string;
  /** Its CLI, from the folder. */
  bin: string;
  /** Node's options before the CLI. */
  node: string[];
  /** The CLI's options besides the connection, port and host. */
  options: string[];
}

const BENCH = resolve(__dirname, "../../../bench");

const PEERS: Record<PostGraphileVersion, Peer> = {
  4: { folder: resolve(BENCH, "postgraphile"), bin: "node_modules/postgraphile/cli.js", node: [], options: ["--disable-query-log"] },
  // v5 requires Node ≥ 22: `Promise.withResolvers` is supplied first (`promise-with-resolvers.ts`). The amber preset
  // is the one v5's CLI recommends; it logs no query.
  5: {
    folder: resolve(BENCH, "postgraphile5"),
    bin: "node_modules/postgraphile/dist/cli-run.js",
    node: ["--require", resolve(__dirname, "promise-with-resolvers.js")],
    options: ["--preset", "postgraphile/presets/amber"],
  },
};

/** Installs a peer from its lock file on first use (`npm ci --prefix bench/postgraphile`, `bench/postgraphile5`). */
function ensureInstalled(peer: Peer): void {
  if (existsSync(resolve(peer.folder, peer.bin))) return;
  console.log(`installing PostGraphile into ${peer.folder} …`);
  execFileSync("npm", ["ci", "--prefix", peer.folder, "--no-audit", "--no-fund"], { stdio: "inherit" });
}

/**
 * PostGraphile (v4 or v5) on the same database, as a team would point it at these tables: the public schema, no
 * query log, no auth at all. Ready once it answers `{ __typename }`.
 */
export async function startPostGraphile(databaseUrl: string, version: PostGraphileVersion = 4): Promise<ServerProcess> {
  const peer = PEERS[version];
  ensureInstalled(peer);
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...peer.node,
      resolve(peer.folder, peer.bin),
      ...["-c", databaseUrl, "--schema", "public", "--port", String(port), "--host", "127.0.0.1"],
      ...peer.options,
    ],
    {
      cwd: peer.folder,
      env: { ...process.env, NODE_ENV: "production", GRAPHILE_ENV: "production" },
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
    if (child.exitCode !== null) throw new Error(`PostGraphile ${version} exited with ${child.exitCode} during start`);
    if (Date.now() > deadline) throw new Error(`PostGraphile ${version} not ready within 60 s`);
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
