#!/usr/bin/env node
// Runs `npm start` (the build already done, so --ignore-scripts skips only the prestart build) on
// the embedded PostgreSQL (no DATABASE_URL) in a temporary DATA_DIR, waits for /readyz, signs up
// and creates a key over HTTP, sends SIGTERM to the npm process and checks that it exited 0 and
// that the embedded PostgreSQL stopped with it — what a newcomer's `npm start` does, end to end.
const { spawn } = require("node:child_process");
const { existsSync, mkdtempSync, rmSync } = require("node:fs");
const { createServer } = require("node:net");
const { tmpdir } = require("node:os");
const { join } = require("node:path");

function freePort() {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function gql(base, query, variables, token) {
  const res = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (res.status !== 200 || body.errors) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body.data;
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), "grantql-smoke-"));
  const port = await freePort();
  const env = { ...process.env, PORT: String(port), DATA_DIR: dataDir, SCRYPT_COST: "12" };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  const child = spawn("npm", ["start", "--silent", "--ignore-scripts"], { env, stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const base = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ready = await fetch(`${base}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error("the server did not become ready within 60 s");
      await new Promise((r) => setTimeout(r, 250));
    }
    const session = await gql(base, "mutation($i: SignUpInput!) { signUp(input: $i) { token } }", {
      i: { workspaceName: "Smoke", email: "smoke@example.test", password: "smoke test password" },
    });
    const created = await gql(
      base,
      'mutation { createApiKey(input: { name: "Smoke", permissions: [{ resource: CALLS, read: true }] }) { secret apiKey { id } } }',
      {},
      session.signUp.token,
    );
    const viewer = await gql(base, "{ viewer { kind } }", {}, created.createApiKey.secret);
    if (viewer.viewer.kind !== "API_KEY") throw new Error(`unexpected viewer ${JSON.stringify(viewer)}`);
    if (output.includes(created.createApiKey.secret) || output.includes(session.signUp.token))
      throw new Error("a secret appeared in the server's log");
    child.kill("SIGTERM");
    const { code, signal } = await exited;
    if (code !== 0) throw new Error(`the server exited with ${code ?? signal} after SIGTERM`);
    if (existsSync(join(dataDir, "postgres", "postmaster.pid")))
      throw new Error("the embedded PostgreSQL is still running after the server stopped");
    if (
      await fetch(`${base}/healthz`).then(
        () => true,
        () => false,
      )
    )
      throw new Error("something still answers on the server's port");
    console.log("embedded smoke: 1 passed, 0 failed");
  } catch (error) {
    child.kill("SIGKILL");
    console.error(output.slice(-4000));
    console.error(`embedded smoke failed: ${error.message}`);
    console.log("embedded smoke: 0 passed, 1 failed");
    process.exitCode = 1;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main();
