import { Resource } from "../../src/auth/resource";
import { timeOrderedIds, UsageBatch } from "../../src/usage/usage-batch";
import { UsageEventInput, UsageOutcome } from "../../src/usage/usage-event";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const input = (overrides: Partial<UsageEventInput> = {}): UsageEventInput => ({
  workspaceId: "w1",
  apiKeyId: "k1",
  operationType: "query",
  operationName: "Calls",
  resources: [Resource.CALLS, Resource.AGENTS],
  outcome: UsageOutcome.ALLOWED,
  durationMs: 4.6,
  clientAddress: "127.0.0.1",
  ...overrides,
});

describe("timeOrderedIds", () => {
  it("gives every event a distinct UUIDv7 that carries its own millisecond", () => {
    const at = [Date.UTC(2026, 11, 1, 3, 0, 0, 1), ...Array.from({ length: 4999 }, (_, i) => Date.UTC(2026, 11, 1, 3, 0, 1) + (i >> 4))];
    const ids = timeOrderedIds(at);
    expect(ids.every((id) => UUID_V7.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(at.length);
    ids.forEach((id, i) => {
      const ms = Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16);
      expect(ms).toBe(at[i]);
    });
  });

  it("orders the ids of a batch as its events: by time, then as recorded", () => {
    const at = Array.from({ length: 3000 }, (_, i) => 1_800_000_000_000 + Math.floor(i / 100));
    const ids = timeOrderedIds(at);
    expect([...ids].sort()).toEqual(ids);
  });

  it("two batches of the same milliseconds share no id", () => {
    const at = Array.from({ length: 2000 }, () => 1_800_000_000_000);
    const first = new Set(timeOrderedIds(at));
    expect(timeOrderedIds(at).some((id) => first.has(id))).toBe(false);
  });
});

describe("UsageBatch", () => {
  it("stores each distinct key, operation, outcome and address once, however many events share it", () => {
    const batch = new UsageBatch();
    for (let i = 0; i < 10; i++) batch.add(input(), 1000 + i);
    batch.add(input({ outcome: UsageOutcome.FORBIDDEN }), 2000);
    batch.add(input({ apiKeyId: "k2" }), 2001);
    batch.add(input({ resources: [Resource.CALLS] }), 2002);
    batch.add(input({ clientAddress: null }), 2003);
    for (let i = 0; i < 6; i++) batch.add(input({ operationName: `Op${i}` }), 3000);
    batch.add(input({ resources: [Resource.CALLS, Resource.AGENTS] }), 4000); // equal content, another array
    expect(batch.length).toBe(21);
    expect(batch.shapes).toHaveLength(4 + 1 + 6);
    expect(batch.shapeOf[20]).toBe(0);
  });

  it("gives back each event as recorded, with the ids it was sealed with", () => {
    const batch = new UsageBatch();
    batch.add(input(), 1_800_000_000_123);
    batch.add(
      input({ durationMs: null, operationName: null, outcome: UsageOutcome.REJECTED, clientAddress: undefined }),
      1_800_000_000_124,
    );
    const ids = batch.seal();
    expect(batch.seal()).toBe(ids);
    expect(batch.records()).toEqual([
      {
        id: ids[0],
        workspaceId: "w1",
        apiKeyId: "k1",
        occurredAt: new Date(1_800_000_000_123),
        operationType: "query",
        operationName: "Calls",
        resources: ["calls", "agents"],
        outcome: "ALLOWED",
        durationMs: 5,
        clientAddress: "127.0.0.1",
      },
      {
        id: ids[1],
        workspaceId: "w1",
        apiKeyId: "k1",
        occurredAt: new Date(1_800_000_000_124),
        operationType: "query",
        operationName: null,
        resources: ["calls", "agents"],
        outcome: "REJECTED",
        durationMs: null,
        clientAddress: null,
      },
    ]);
  });

  it("keeps a retried batch's ids, and takes no event once sealed", () => {
    const batch = new UsageBatch();
    batch.add(input(), 1_800_000_000_000);
    const ids = [...batch.seal()];
    expect(batch.records().map((r) => r.id)).toEqual(ids);
    expect(() => batch.add(input(), 1_800_000_000_001)).toThrow("sealed");
    expect(batch.length).toBe(1);
  });

  it("makes a refused request's name storable: cut to 200 characters, a NUL replaced, an empty one none", () => {
    const batch = new UsageBatch();
    batch.add(input({ operationName: `A\u0000${"x".repeat(300)}` }), 1);
    batch.add(input({ operationName: `A\u0000${"x".repeat(300)}` }), 2);
    batch.add(input({ operationName: "" }), 3);
    expect(batch.shapes).toHaveLength(2);
    expect(batch.shapes[0].operationName).toBe(`A\uFFFD${"x".repeat(198)}`);
    expect(batch.shapes[1].operationName).toBeNull();
  });

  it("of(records) keeps the records' own ids", () => {
    const source = new UsageBatch();
    source.add(input(), 1_800_000_000_000);
    const records = source.records();
    expect(UsageBatch.of(records).seal()).toEqual(records.map((r) => r.id));
  });
});
