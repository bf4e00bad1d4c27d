import { randomUUID } from "node:crypto";
import { DataSource } from "typeorm";
import { createDataSource } from "../../ormconfig";
import { ManualClock } from "../../src/common/clock";
import { createLogger } from "../../src/logger";
import { RetentionJob } from "../../src/usage/retention-job";
import { UsageEventRecord, UsageOutcome } from "../../src/usage/usage-event";
import { UsageReader } from "../../src/usage/usage-reader";
import { writeUsageBatch } from "../../src/usage/usage-writer";

let db: DataSource;
beforeAll(async () => {
  db = createDataSource({ url: process.env.DATABASE_URL!, poolMax: 2 });
  await db.initialize();
});
afterAll(() => db.destroy());

function eventAt(apiKeyId: string, iso: string): UsageEventRecord {
  return {
    id: randomUUID(),
    workspaceId: randomUUID(),
    apiKeyId,
    occurredAt: new Date(iso),
    operationType: "query",
    operationName: null,
    resources: [],
    outcome: UsageOutcome.ALLOWED,
    durationMs: 1,
  };
}

// Dates long before any other test's, so a sweep here never touches rows another test relies on.
it("deletes raw events past the retention in bounded batches, keeps newer ones, and the 30-day count stays exact", async () => {
  const keyId = randomUUID();
  const old = Array.from({ length: 5 }, (_, i) => eventAt(keyId, `2019-01-0${i + 1}T10:00:00Z`));
  const recent = [eventAt(keyId, "2019-03-01T10:00:00Z"), eventAt(keyId, "2019-03-09T23:59:00Z")];
  expect(await writeUsageBatch(db, [...old, ...recent])).toBe(7);
  const clock = new ManualClock(new Date("2019-03-10T00:00:00Z"));
  const job = new RetentionJob(db, clock, createLogger("silent"), { retentionDays: 35, batchSize: 2 });
  expect(await job.runOnce()).toBeGreaterThanOrEqual(5);
  const left = await db.query(`SELECT occurred_at FROM usage_event WHERE api_key_id = $1 ORDER BY occurred_at`, [keyId]);
  expect(left.map((r: { occurred_at: Date }) => new Date(r.occurred_at).toISOString())).toEqual([
    "2019-03-01T10:00:00.000Z",
    "2019-03-09T23:59:00.000Z",
  ]);
  // Counters come from rollups, which outlive the raw events as long as the windows need them.
  expect((await new UsageReader(db).countsFor([keyId], clock.now())).get(keyId)).toEqual({ last24h: 1, last7d: 1, last30d: 2 });
  const hours = await db.query(`SELECT count(*)::int AS n FROM usage_hour WHERE api_key_id = $1`, [keyId]);
  expect(hours[0].n).toBe(7);
  await job.stop();
});
