import { randomUUID } from "node:crypto";
import { DataSource } from "typeorm";
import { createDataSource } from "../../ormconfig";
import { ManualClock } from "../../src/common/clock";
import { createLogger } from "../../src/logger";
import { UsageEventRecord, UsageOutcome } from "../../src/usage/usage-event";
import { UsageRecorder } from "../../src/usage/usage-recorder";
import { writeUsageBatch } from "../../src/usage/usage-writer";
import { gql } from "../support/client";
import { createKey, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { TcpProxy } from "../support/tcp-proxy";
import { eventually } from "../support/eventually";

let db: DataSource;
beforeAll(async () => {
  db = createDataSource({ url: process.env.DATABASE_URL!, poolMax: 2 });
  await db.initialize();
});
afterAll(() => db.destroy());

const stored = async (keyId: string): Promise<number> =>
  (await db.query(`SELECT count(*)::int AS n FROM usage_event WHERE api_key_id = $1`, [keyId]))[0].n;

/** Sends `{ __typename }` with the key from `workers` loops until `running()` is false; counts 200s. */
async function load(url: string, secret: string, workers: number, running: () => boolean, ok: { count: number }): Promise<void> {
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (running()) {
        const response = await gql(url, "{ __typename }", {}, secret).catch(() => null);
        if (response?.status === 200) ok.count += 1;
      }
    }),
  );
}

it("a graceful stop writes every buffered event before the database closes: requests answered = events stored", async () => {
  const server = await startTestServer({ env: { REDIS_URL: "", USAGE_FLUSH_INTERVAL_MS: "1000" } });
  const admin = await signUp(server.url);
  const key = await createKey(server.url, admin.token);
  const responses = await Promise.all(Array.from({ length: 200 }, () => gql(server.url, "{ __typename }", {}, key.secret)));
  expect(responses.every((r) => r.status === 200)).toBe(true);
  // Most of them are still in memory: the stop, not the timer, must write them.
  expect(server.services.usage.recorder.stats().bufferDepth).toBeGreaterThan(0);
  await server.stop();
  expect(await stored(key.id)).toBe(200);
});

describe("the database goes away under load", () => {
  let proxy: TcpProxy;
  let server: TestServer;
  beforeAll(async () => {
    proxy = await TcpProxy.to(process.env.DATABASE_URL!);
    server = await startTestServer({
      env: { REDIS_URL: "", DATABASE_URL: proxy.rewrite(process.env.DATABASE_URL!), USAGE_FLUSH_INTERVAL_MS: "200" },
    });
  });
  afterAll(async () => {
    await proxy.restore();
    await server.stop();
    await proxy.cut();
  });

  it("events buffered while it is down are written once it returns: every metered request is stored once", async () => {
    const admin = await signUp(server.url);
    const key = await createKey(server.url, admin.token);
    const recorder = server.services.usage.recorder;
    const ok = { count: 0 };
    let running = true;
    const traffic = load(server.url, key.secret, 4, () => running, ok);
    await eventually(
      async () => ok.count,
      (n) => n >= 20,
      5000,
    );
    const failuresBefore = recorder.stats().flushFailures;
    await proxy.cut();
    // Requests keep succeeding on the cached key for up to a second, into a buffer that cannot flush.
    const during = await eventually(
      async () => recorder.stats(),
      (s) => s.flushFailures >= failuresBefore + 2 && s.bufferDepth > 0,
      5000,
    );
    expect(during.flushFailures).toBeGreaterThanOrEqual(failuresBefore + 2);
    expect(during.bufferDepth).toBeGreaterThan(0);
    await proxy.restore();
    running = false;
    await traffic;
    const after = await eventually(
      async () => recorder.stats(),
      (s) => s.bufferDepth === 0,
      10_000,
    );
    expect(after.bufferDepth).toBe(0);
    expect(await stored(key.id)).toBe(ok.count);
    expect(server.logs()).toContain("usage flush failed; events kept for retry");
  });

  it("a full buffer drops new events, counts and logs them, and /readyz reports the overload", async () => {
    const overloaded = await startTestServer({
      env: { REDIS_URL: "", DATABASE_URL: proxy.rewrite(process.env.DATABASE_URL!), USAGE_BUFFER_MAX: "100" },
    });
    try {
      await proxy.cut();
      const recorder = overloaded.services.usage.recorder;
      const event = { workspaceId: randomUUID(), apiKeyId: randomUUID(), operationType: "query", outcome: UsageOutcome.ALLOWED };
      const accepted = Array.from({ length: 130 }, () => recorder.record(event)).filter(Boolean).length;
      expect(accepted).toBe(100);
      expect(recorder.stats()).toMatchObject({ bufferDepth: 100, eventsDropped: 30 });
      const readyz = await fetch(`http://127.0.0.1:${overloaded.port}/readyz`);
      expect(readyz.status).toBe(503);
      expect(await readyz.json()).toMatchObject({ usage: "overloaded", usageBufferDepth: 100 });
      expect(overloaded.logs()).toContain("usage buffer is full");
      await proxy.restore();
    } finally {
      await proxy.restore();
      await overloaded.stop();
    }
    expect(overloaded.services.usage.recorder.stats()).toMatchObject({ bufferDepth: 0, eventsWritten: 100 });
  });
});

it("a retried batch whose first attempt committed is not counted twice", async () => {
  const clock = new ManualClock(new Date("2026-06-01T12:00:00Z"));
  const committed: UsageEventRecord[] = [];
  const recorder = new UsageRecorder(
    (batch) => writeUsageBatch(db, batch),
    clock,
    createLogger("silent"),
    (batch) => committed.push(...batch.records()),
    { flushIntervalMs: 1000, bufferMax: 100 },
  );
  const keyId = randomUUID();
  recorder.record({ workspaceId: randomUUID(), apiKeyId: keyId, operationType: "query", outcome: UsageOutcome.ALLOWED });
  await recorder.close();
  expect(committed).toHaveLength(1);
  // The same batch again (the same ids), as a retry after a lost reply would send it.
  expect(await writeUsageBatch(db, committed)).toBe(0);
  const [minute] = await db.query(`SELECT count FROM usage_minute WHERE api_key_id = $1`, [keyId]);
  expect(minute.count).toBe(1);
});

it("a batch whose first write committed but whose reply was lost is retried by the recorder without counting twice", async () => {
  const clock = new ManualClock(new Date("2026-06-01T12:00:00Z"));
  let attempts = 0;
  const recorder = new UsageRecorder(
    async (batch) => {
      attempts += 1;
      const written = await writeUsageBatch(db, batch);
      if (attempts === 1) throw new Error("connection lost before the reply"); // committed, but the recorder cannot know
      return written;
    },
    clock,
    createLogger("silent"),
    () => undefined,
    { flushIntervalMs: 1000, bufferMax: 100 },
  );
  const keyId = randomUUID();
  const workspaceId = randomUUID();
  for (let i = 0; i < 3; i++) recorder.record({ workspaceId, apiKeyId: keyId, operationType: "query", outcome: UsageOutcome.ALLOWED });
  await recorder.close();
  expect(attempts).toBe(2);
  expect(recorder.stats()).toMatchObject({ bufferDepth: 0, eventsWritten: 0, flushFailures: 1 });
  expect(await stored(keyId)).toBe(3);
  const [minute] = await db.query(`SELECT count FROM usage_minute WHERE api_key_id = $1`, [keyId]);
  expect(minute.count).toBe(3);
});

it("metering writes on a connection of its own: a flush goes through while requests hold every pool connection", async () => {
  const server = await startTestServer({ env: { REDIS_URL: "", DB_POOL_MAX: "1" } });
  const held = server.dataSource.createQueryRunner();
  try {
    const admin = await signUp(server.url);
    const key = await createKey(server.url, admin.token);
    // The server's one request connection, taken for as long as the flush below may take.
    await held.connect();
    await held.startTransaction();
    server.services.usage.recorder.record({
      workspaceId: admin.workspaceId,
      apiKeyId: key.id,
      operationType: "query",
      outcome: UsageOutcome.ALLOWED,
    });
    await server.services.usage.recorder.flushAll(3000);
    expect(server.services.usage.recorder.stats()).toMatchObject({ bufferDepth: 0, flushFailures: 0 });
    expect(await stored(key.id)).toBe(1);
  } finally {
    await held.rollbackTransaction().catch(() => undefined);
    await held.release();
    await server.stop();
  }
});
