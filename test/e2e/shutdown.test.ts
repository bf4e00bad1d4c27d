import { ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { AddressInfo, connect, createServer, Socket } from "node:net";
import { join } from "node:path";
import { DataSource } from "typeorm";
import { createDataSource } from "../../ormconfig";
import { dataOf, gql } from "../support/client";
import { createKey, signUp } from "../support/factories";
import { startServerProcess } from "../usage/server-process";
import { eventually } from "../support/eventually";
import { TcpProxy } from "../support/tcp-proxy";

let db: DataSource;
beforeAll(async () => {
  db = createDataSource({ url: process.env.DATABASE_URL!, poolMax: 1 });
  await db.initialize();
});
afterAll(() => db.destroy());

/** Enough requests (one log line each) to fill a pipe nobody reads: 64 KiB in the kernel plus node's buffer. */
async function logHeavily(url: string, requests: number): Promise<number[]> {
  const statuses: number[] = [];
  const worker = async () => {
    while (statuses.length < requests) statuses.push((await gql(url, "{ __typename }")).status);
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  return statuses;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The real entry point with a stdout pipe that nobody ever reads — a log reader that went away
 * while the pipe stayed open: once the pipe is full, every write to stdout would block.
 */
async function startServerNobodyReads(
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess; exited: Promise<number | null> }> {
  const port = await freePort();
  const root = join(__dirname, "..", "..");
  const child = spawn(process.execPath, ["-r", join(root, "test", "usage", "ts-register.js"), join(root, "src", "main.ts")], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "info", SCRYPT_COST: "12", ...env },
    stdio: ["ignore", "pipe", "ignore"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  // No log line can say it listens (nobody reads them): wait for the health endpoint instead.
  expect(
    await eventually(
      () =>
        fetch(`${url}/healthz`).then(
          (r) => r.ok,
          () => false,
        ),
      (ok) => ok,
      60_000,
    ),
  ).toBe(true);
  return { url: `${url}/graphql`, child, exited };
}

describe("a stdout whose reader has gone never wedges the server", () => {
  it("the reader exits (EPIPE) and SIGTERM follows at once: the process still exits 0 within SHUTDOWN_TIMEOUT", async () => {
    const server = await startServerProcess({ REDIS_URL: "", SHUTDOWN_TIMEOUT: "5" });
    server.child.stdout!.destroy();
    const started = performance.now();
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(performance.now() - started).toBeLessThan(5000);
  }, 60_000);

  it("the reader exits (EPIPE): the server goes on serving, and SIGTERM twice ends it within SHUTDOWN_TIMEOUT", async () => {
    const server = await startServerProcess({ REDIS_URL: "", SHUTDOWN_TIMEOUT: "5" });
    server.child.stdout!.destroy();
    expect(new Set(await logHeavily(server.url, 400))).toEqual(new Set([200]));
    const started = performance.now();
    const exited = server.stop("SIGTERM");
    server.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(performance.now() - started).toBeLessThan(5000);
  }, 60_000);

  it("nobody reads the pipe any more (it stays full): the server goes on serving, and SIGTERM twice ends it within SHUTDOWN_TIMEOUT", async () => {
    const server = await startServerNobodyReads({ REDIS_URL: "", SHUTDOWN_TIMEOUT: "5" });
    try {
      expect(new Set(await logHeavily(server.url, 1000))).toEqual(new Set([200]));
      expect((await fetch(server.url.replace("/graphql", "/healthz"))).status).toBe(200);
      const started = performance.now();
      server.child.kill("SIGTERM");
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      server.child.kill("SIGKILL");
    }
  }, 60_000);

  it("with the database gone and the pipe full, SHUTDOWN_TIMEOUT still holds: the process exits 1 within the timeout and 0.5 s", async () => {
    const proxy = await TcpProxy.to(process.env.DATABASE_URL!);
    const server = await startServerNobodyReads({
      REDIS_URL: "",
      SHUTDOWN_TIMEOUT: "3",
      DATABASE_URL: proxy.rewrite(process.env.DATABASE_URL!),
    });
    try {
      const admin = await signUp(server.url);
      const key = await createKey(server.url, admin.token);
      expect(new Set(await logHeavily(server.url, 1000))).toEqual(new Set([200]));
      dataOf(await gql(server.url, "{ viewer { kind } }", {}, key.secret)); // the key is cached for the next request
      await proxy.cut();
      // Metered while the database is away: usage the shutdown cannot write.
      expect((await gql(server.url, "{ viewer { kind } }", {}, key.secret)).status).toBe(503);
      const started = performance.now();
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(1);
      expect(performance.now() - started).toBeLessThan(3500);
    } finally {
      server.child.kill("SIGKILL");
      await proxy.cut(); // closes its listening socket too: a proxy left listening keeps the jest worker from exiting
    }
  }, 60_000);
});

/** A WebSocket that completes the upgrade and then never answers, so a graceful close would wait for it. */
async function silentWebSocket(port: number): Promise<Socket> {
  const socket = connect(port, "127.0.0.1");
  await once(socket, "connect");
  socket.write(
    `GET /graphql HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n`,
  );
  const [head] = (await once(socket, "data")) as [Buffer];
  expect(head.toString()).toMatch(/^HTTP\/1.1 101/);
  socket.pause();
  return socket;
}

it("a shutdown that cannot finish (a WebSocket that never closes) exits 1 at SHUTDOWN_TIMEOUT, after writing the usage it holds", async () => {
  const server = await startServerProcess({ REDIS_URL: "", SHUTDOWN_TIMEOUT: "2", USAGE_FLUSH_INTERVAL_MS: "1000" });
  const admin = await signUp(server.url);
  const key = await createKey(server.url, admin.token);
  for (let i = 0; i < 3; i += 1) dataOf(await gql(server.url, "{ viewer { kind } }", {}, key.secret));
  const socket = await silentWebSocket(server.port);
  try {
    const started = performance.now();
    expect(await server.stop("SIGTERM")).toBe(1);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1500);
    expect(elapsed).toBeLessThan(5000);
    expect(server.output()).toMatch(/shutdown did not finish within SHUTDOWN_TIMEOUT \(2 s\); wrote the usage it could \(0 events lost\)/);
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM usage_event WHERE api_key_id = $1`, [key.id]);
    expect(n).toBe(3);
  } finally {
    socket.destroy();
  }
}, 60_000);
