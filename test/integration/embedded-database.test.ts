import { execFile } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  watch,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { dataOf, gql } from "../support/client";
import { eventually } from "../support/eventually";
import { createKey, PASSWORD, signUp } from "../support/factories";
import { ServerProcess, startServerProcess } from "../usage/server-process";

const run = promisify(execFile);
const ROOT = join(__dirname, "..", "..");
const REGISTER = join(ROOT, "test", "usage", "ts-register.js");

/** The embedded default as `npm start` gets it: no DATABASE_URL, only a DATA_DIR. */
const embeddedEnv = (dataDir: string) => ({ DATABASE_URL: "", REDIS_URL: "", DATA_DIR: dataDir });

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "grantql-embedded-"));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

it("two servers and the CLI share one embedded DATA_DIR: each joins the running PostgreSQL, and the last to leave stops it", async () => {
  const started = await Promise.allSettled([startServerProcess(embeddedEnv(dataDir)), startServerProcess(embeddedEnv(dataDir))]);
  const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    await Promise.all(started.map((s) => (s.status === "fulfilled" ? s.value.stop() : null)));
    throw failed.reason;
  }
  const [a, b] = started.map((s) => (s as PromiseFulfilledResult<ServerProcess>).value);
  const admin = await signUp(a.url);
  const key = await createKey(a.url, admin.token);
  const signIn = `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { workspace { id } } }`;
  expect(dataOf(await gql(b.url, signIn, { e: admin.email, p: PASSWORD })).signIn.workspace.id).toBe(admin.workspaceId);

  const cli = await run(
    process.execPath,
    ["-r", REGISTER, join(ROOT, "src", "cli", "cli.ts"), "list-keys", "--workspace", admin.workspaceId],
    {
      cwd: ROOT,
      env: { ...process.env, ...embeddedEnv(dataDir) },
    },
  );
  expect(cli.stdout).toContain(key.id);

  expect(await a.stop()).toBe(0);
  expect(dataOf(await gql(b.url, "{ viewer { kind } }", {}, key.secret)).viewer.kind).toBe("API_KEY");
  expect(existsSync(join(dataDir, "postgres", "postmaster.pid"))).toBe(true);
  expect(await b.stop()).toBe(0);
  expect(existsSync(join(dataDir, "postgres", "postmaster.pid"))).toBe(false);
}, 90_000);

it("a DATA_DIR holding the earlier PGlite database is refused at start with one line saying how to start afresh", async () => {
  mkdirSync(join(dataDir, "pgdata"));
  const started = run(process.execPath, ["-r", REGISTER, join(ROOT, "src", "main.ts")], {
    cwd: ROOT,
    env: { ...process.env, ...embeddedEnv(dataDir), PORT: "0", HOST: "127.0.0.1" },
  });
  const failed = (await started.then(
    () => null,
    (error) => error,
  )) as { code: number; stdout: string; stderr: string } | null;
  expect(failed?.code).toBe(1);
  expect(failed!.stderr.trimEnd().split("\n")).toEqual([
    `grantql: DATA_DIR ${dataDir} holds a database of the earlier embedded engine (PGlite), which this version cannot open; ` +
      `to start afresh, delete or move it (rm -rf ${dataDir}) or set DATA_DIR to an empty directory`,
  ]);
  expect(existsSync(join(dataDir, "postgres"))).toBe(false);
}, 60_000);

it("creating the cluster never lets another user read the superuser's password, not even while initdb runs", async () => {
  // A temporary folder like /tmp (anyone may list and create), watched for what the creation puts there.
  const temporary = mkdtempSync(join(tmpdir(), "grantql-tmpdir-"));
  chmodSync(temporary, 0o1777);
  const seen: { name: string; mode: number }[] = [];
  const watcher = watch(temporary, (_event, name) => {
    try {
      if (name) seen.push({ name, mode: lstatSync(join(temporary, name)).mode & 0o777 });
    } catch {
      // already removed; its mode was recorded when it appeared
    }
  });
  // In a process of its own (jest cannot load the binaries' ES module), with this temporary folder as its TMPDIR.
  const open = `require(${JSON.stringify(join(ROOT, "src", "db", "embedded-cluster.ts"))}).EmbeddedCluster.open(process.argv[1])`;
  try {
    await run(process.execPath, ["-r", REGISTER, "-e", `${open}.then((c) => console.log(c.password.length))`, dataDir], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: temporary },
    });
  } finally {
    watcher.close();
  }
  try {
    expect(seen.filter(({ mode }) => (mode & 0o077) !== 0)).toEqual([]);
    expect(readdirSync(temporary)).toEqual([]);
    expect(statSync(join(dataDir, "postgres.password")).mode & 0o777).toBe(0o600);
  } finally {
    rmSync(temporary, { recursive: true, force: true });
  }
}, 60_000);

/** The pid and port the running embedded PostgreSQL wrote to its postmaster.pid. */
function postmaster(): { pid: number; port: number } {
  const lines = readFileSync(join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n");
  return { pid: Number(lines[0]), port: Number(lines[3]) };
}

it("a postmaster.pid left by a dead server whose pid now belongs to an unrelated live process does not stop the next start", async () => {
  const first = await startServerProcess(embeddedEnv(dataDir));
  const admin = await signUp(first.url);
  const { port } = postmaster();
  const pid = postmaster().pid;
  expect(await first.stop()).toBe(0);
  // As a server killed with the machine leaves it, its pid since reused — here by this test's own process.
  const stale = [process.pid, join(dataDir, "postgres"), "1764000000", port, "", "127.0.0.1", "0 0", "ready   ", ""];
  writeFileSync(join(dataDir, "postgres", "postmaster.pid"), stale.join("\n"));
  const second = await startServerProcess(embeddedEnv(dataDir));
  try {
    const signIn = `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { workspace { id } } }`;
    expect(dataOf(await gql(second.url, signIn, { e: admin.email, p: PASSWORD })).signIn.workspace.id).toBe(admin.workspaceId);
    expect(postmaster().pid).not.toBe(pid);
  } finally {
    expect(await second.stop()).toBe(0);
  }
}, 90_000);

it("an embedded PostgreSQL killed under a running server is started again on its port, and the server serves again", async () => {
  const server = await startServerProcess(embeddedEnv(dataDir));
  try {
    const admin = await signUp(server.url);
    const before = postmaster();
    process.kill(before.pid, "SIGKILL");
    const readyz = server.url.replace("/graphql", "/readyz");
    const ready = () =>
      fetch(readyz).then(
        (r) => r.status,
        () => 0,
      );
    expect(await eventually(ready, (status) => status === 503, 10_000)).toBe(503);
    expect(await eventually(ready, (status) => status === 200, 30_000)).toBe(200);
    expect(postmaster().port).toBe(before.port);
    expect(dataOf(await gql(server.url, "{ viewer { kind } }", {}, admin.token)).viewer.kind).toBe("MEMBER");
  } finally {
    expect(await server.stop()).toBe(0);
  }
  expect(existsSync(join(dataDir, "postgres", "postmaster.pid"))).toBe(false);
}, 90_000);
