import { randomUUID } from "node:crypto";
import { DataSource } from "typeorm";
import { createDataSource } from "../../ormconfig";
import { ManualClock } from "../../src/common/clock";
import { loadConfig } from "../../src/config";
import { createLogger } from "../../src/logger";
import { RetentionJob } from "../../src/usage/retention-job";

let db: DataSource;
beforeAll(async () => {
  db = createDataSource({ url: process.env.DATABASE_URL!, poolMax: 2 });
  await db.initialize();
});
afterAll(() => db.destroy());

async function auditAt(marker: string, iso: string): Promise<void> {
  await db.query(`INSERT INTO audit_entry (workspace_id, occurred_at, action, details) VALUES (NULL, $1, 'SIGN_IN_FAILED', $2)`, [
    new Date(iso),
    { marker },
  ]);
}

it("AUDIT_RETENTION_DAYS defaults to 365 days", () => {
  expect(loadConfig({}).auditRetentionDays).toBe(365);
  expect(loadConfig({ AUDIT_RETENTION_DAYS: "30" }).auditRetentionDays).toBe(30);
});

// Dates long before any other test's, so a sweep here never touches rows another test relies on.
it("deletes audit entries older than AUDIT_RETENTION_DAYS in bounded batches and keeps newer ones", async () => {
  const marker = randomUUID();
  for (let i = 1; i <= 5; i++) await auditAt(marker, `2017-01-0${i}T10:00:00Z`);
  await auditAt(marker, "2018-03-11T00:00:00Z");
  await auditAt(marker, "2019-03-09T23:59:00Z");
  const clock = new ManualClock(new Date("2019-03-10T00:00:00Z"));
  const job = new RetentionJob(db, clock, createLogger("silent"), { retentionDays: 3650, auditRetentionDays: 365, batchSize: 2 });
  await job.runOnce();
  const left = await db.query(`SELECT occurred_at FROM audit_entry WHERE details->>'marker' = $1 ORDER BY occurred_at`, [marker]);
  expect(left.map((r: { occurred_at: Date }) => new Date(r.occurred_at).toISOString())).toEqual([
    "2018-03-11T00:00:00.000Z",
    "2019-03-09T23:59:00.000Z",
  ]);
  await job.stop();
});
