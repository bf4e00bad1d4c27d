import { randomUUID } from "node:crypto";
import { DataSource } from "typeorm";
import { createDataSource } from "../../ormconfig";
import { Resource } from "../../src/auth/resource";
import { ManualClock } from "../../src/common/clock";
import { UsageEventRecord, UsageOutcome } from "../../src/usage/usage-event";
import { UsageEventLog } from "../../src/usage/usage-event-log";
import { writeUsageBatch } from "../../src/usage/usage-writer";

let db: DataSource;
beforeAll(async () => {
  db = createDataSource({ url: process.env.DATABASE_URL!, poolMax: 2 });
  await db.initialize();
});
afterAll(() => db.destroy());

const event = (overrides: Partial<UsageEventRecord>): UsageEventRecord => ({
  id: randomUUID(),
  workspaceId: randomUUID(),
  apiKeyId: randomUUID(),
  occurredAt: new Date("2026-06-01T12:00:00.000Z"),
  operationType: "query",
  operationName: null,
  resources: [],
  outcome: UsageOutcome.ALLOWED,
  durationMs: null,
  clientAddress: null,
  ...overrides,
});

it("a batch whose events differ in every stored field stores each one exactly as recorded", async () => {
  const [workspaceA, workspaceB, keyA, keyB] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const names = [null, "ListCalls", 'quote " and \\ backslash', "{braces},commas", "NULL", "", "naïve ✓ 名前"];
  const events = names.map((operationName, i) =>
    event({
      workspaceId: i % 2 ? workspaceB : workspaceA,
      apiKeyId: i % 2 ? keyB : keyA,
      occurredAt: new Date(Date.UTC(2026, 5, 1, 12, 0, i, 7 + 111 * i)),
      operationType: i === 3 ? "mutation" : "query",
      operationName,
      resources: ([[], [Resource.CALLS], [Resource.CALLS, Resource.AGENTS, Resource.CONTACTS]] as Resource[][])[i % 3],
      outcome: i === 4 ? UsageOutcome.FORBIDDEN : UsageOutcome.ALLOWED,
      durationMs: i % 3 === 0 ? null : i * 1000,
      clientAddress: i % 2 ? "::ffff:10.0.0.1" : "2001:db8::1",
    }),
  );
  // The same shape twice: the second event shares the first's everything but its id, time and duration.
  events.push({ ...events[1], id: randomUUID(), occurredAt: new Date(events[1].occurredAt.getTime() + 1), durationMs: 0 });

  expect(await writeUsageBatch(db, events)).toBe(events.length);

  // Read back as the usageEventLog query reads them (its window ends at the clock's now).
  const log = new UsageEventLog(db, 90, new ManualClock(new Date("2026-06-02T00:00:00Z")));
  const stored = [
    ...(await log.list(workspaceA, { apiKeyId: keyA }, { first: 100, after: null })).nodes,
    ...(await log.list(workspaceB, { apiKeyId: keyB }, { first: 100, after: null })).nodes,
  ];
  expect(stored).toHaveLength(events.length);
  const byId = new Map(stored.map((row) => [row.id, row]));
  for (const { clientAddress: _, ...recorded } of events) expect(byId.get(recorded.id)).toEqual(recorded);
  // Addresses are normalized per key: an IPv4-mapped address as IPv4, an IPv6 one by its /64.
  const addresses = await db.query(
    `SELECT api_key_id::text AS key, address FROM key_address WHERE api_key_id = ANY($1::uuid[]) ORDER BY 1`,
    [[keyA, keyB]],
  );
  expect(addresses).toEqual(
    expect.arrayContaining([
      { key: keyA, address: "2001:db8::/64" },
      { key: keyB, address: "10.0.0.1" },
    ]),
  );
  const minutes = await db.query(
    `SELECT api_key_id::text AS key, sum(count)::int AS n, sum(forbidden)::int AS f FROM usage_minute WHERE api_key_id = ANY($1::uuid[]) GROUP BY 1`,
    [[keyA, keyB]],
  );
  expect(Object.fromEntries(minutes.map((m: { key: string; n: number; f: number }) => [m.key, [m.n, m.f]]))).toEqual({
    [keyA]: [4, 1],
    [keyB]: [4, 0],
  });
});

it("a batch refused by the database writes nothing, and the same ids go through once it is valid", async () => {
  const keyId = randomUUID();
  const good = event({ apiKeyId: keyId });
  // An operation type longer than its column: the statement fails as a whole.
  const bad = event({ apiKeyId: keyId, operationType: "x".repeat(40) });
  await expect(writeUsageBatch(db, [good, bad])).rejects.toThrow(/too long/);
  const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM usage_event WHERE api_key_id = $1`, [keyId]);
  expect(n).toBe(0);
  expect(await writeUsageBatch(db, [good])).toBe(1);
});

it("a batch across minute and hour boundaries rolls up into each UTC minute and hour, with refusals, and REJECTED left out", async () => {
  const [a, b] = [randomUUID(), randomUUID()];
  const at = (iso: string, apiKeyId: string, outcome = UsageOutcome.ALLOWED, clientAddress: string | null = "203.0.113.7") =>
    event({ apiKeyId, occurredAt: new Date(iso), outcome, clientAddress });
  const batch = [
    at("2026-06-01T10:59:59.999Z", a),
    at("2026-06-01T11:00:00.000Z", a, UsageOutcome.FORBIDDEN),
    at("2026-06-01T11:00:59.999Z", a, UsageOutcome.REJECTED),
    at("2026-06-01T11:00:30.000Z", a, UsageOutcome.ALLOWED, "198.51.100.1"),
    at("2026-06-01T11:01:00.000Z", b, UsageOutcome.IP_NOT_ALLOWED),
    at("2026-06-01T12:00:00.000Z", b),
  ];
  expect(await writeUsageBatch(db, batch)).toBe(6);
  const rows = (table: "usage_minute" | "usage_hour", column: string) =>
    db.query(
      `SELECT api_key_id::text AS key, to_char(${column} AT TIME ZONE 'UTC', 'HH24:MI') AS at, count, forbidden
       FROM ${table} WHERE api_key_id = ANY($1::uuid[]) ORDER BY api_key_id = $2 DESC, ${column}`,
      [[a, b], a],
    );
  expect(await rows("usage_minute", "minute")).toEqual([
    { key: a, at: "10:59", count: 1, forbidden: 0 },
    { key: a, at: "11:00", count: 2, forbidden: 1 },
    { key: b, at: "11:01", count: 1, forbidden: 0 },
    { key: b, at: "12:00", count: 1, forbidden: 0 },
  ]);
  expect(await rows("usage_hour", "hour")).toEqual([
    { key: a, at: "10:00", count: 1, forbidden: 0 },
    { key: a, at: "11:00", count: 2, forbidden: 1 },
    { key: b, at: "11:00", count: 1, forbidden: 0 },
    { key: b, at: "12:00", count: 1, forbidden: 0 },
  ]);
  // Addresses of allowed requests only, each with its first and last time in the batch.
  const seen = await db.query(
    `SELECT address, first_seen_at, last_seen_at FROM key_address WHERE api_key_id = ANY($1::uuid[]) ORDER BY api_key_id = $2 DESC, address`,
    [[a, b], a],
  );
  expect(seen).toEqual([
    { address: "198.51.100.1", first_seen_at: new Date("2026-06-01T11:00:30.000Z"), last_seen_at: new Date("2026-06-01T11:00:30.000Z") },
    { address: "203.0.113.7", first_seen_at: new Date("2026-06-01T10:59:59.999Z"), last_seen_at: new Date("2026-06-01T10:59:59.999Z") },
    { address: "203.0.113.7", first_seen_at: new Date("2026-06-01T12:00:00.000Z"), last_seen_at: new Date("2026-06-01T12:00:00.000Z") },
  ]);
});
