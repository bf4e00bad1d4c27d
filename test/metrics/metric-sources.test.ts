import { outcomeLabel } from "../../src/metrics/metrics";
import { readPoolStats, readRedisState, readUsageStats } from "../../src/metrics/metric-sources";

const STATS = { bufferDepth: 3, lastFlushLagMs: 120, eventsWritten: 10, eventsDropped: 0, flushFailures: 1 };

describe("reading figures owned by other parts", () => {
  it("usage figures come from stats() on the usage service or on its recorder, and are absent otherwise", () => {
    expect(readUsageStats({ usage: { stats: () => STATS } })).toEqual(STATS);
    expect(readUsageStats({ usage: { recorder: { stats: () => STATS } } })).toEqual(STATS);
    expect(readUsageStats({ usage: { countsFor: () => new Map() } })).toBeUndefined();
    expect(readUsageStats({})).toBeUndefined();
  });

  it.each([
    ["no bus at all", undefined, "disabled"],
    ["a bus without Redis", "disabled", "disabled"],
    ["a bus whose Redis connections are all ready", "ready", "ready"],
    ["a bus with a connection down", "down", "down"],
  ] as const)("Redis state with %s is %s, as the bus reports it", (_case, state, expected) => {
    const bus =
      state === undefined ? undefined : { redisState: () => state, dropped: () => new Map(), queued: () => ({ payloads: 0, deepest: 0 }) };
    expect(readRedisState({ bus })).toBe(expected);
  });

  it("pool figures are read per pool — TypeORM's from the pg pool behind its driver, the reads' and metering's from theirs — and absent before each opens", () => {
    const db = { driver: { master: { totalCount: 4, idleCount: 3, waitingCount: 0 } } } as never;
    const readPool = { totalCount: 5, idleCount: 1, waitingCount: 2 } as never;
    const usageWriterPool = { totalCount: 1, idleCount: 1, waitingCount: 0 } as never;
    expect(readPoolStats({ db, readPool, usageWriterPool })).toEqual({
      requests: { totalCount: 4, idleCount: 3, waitingCount: 0 },
      reads: { totalCount: 5, idleCount: 1, waitingCount: 2 },
      metering: { totalCount: 1, idleCount: 1, waitingCount: 0 },
    });
    expect(readPoolStats({ db: { driver: {} } as never, readPool })).toEqual({ reads: { totalCount: 5, idleCount: 1, waitingCount: 2 } });
    expect(readPoolStats({})).toEqual({});
  });

  it.each([
    [undefined, "success"],
    ["FORBIDDEN", "forbidden"],
    ["UNAUTHENTICATED", "unauthenticated"],
    ["SOMETHING_NEW", "error"],
  ])("a first error code %j gives the outcome label %s (a closed set, so labels stay few)", (code, outcome) => {
    expect(outcomeLabel(code)).toBe(outcome);
  });
});
