import { ManualClock } from "../../src/common/clock";
import { expectBadInput, expectForbidden, expectUnauthenticated } from "../support/assertions";
import { dataOf, gql } from "../support/client";
import { createKey, createMember, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { ALLOWED_QUERY, FORBIDDEN_QUERY } from "./usage-support";

const START = new Date("2026-05-04T08:00:10.000Z");
let server: TestServer;
let clock: ManualClock;

beforeAll(async () => {
  clock = new ManualClock(START);
  server = await startTestServer({ clock, env: { REDIS_URL: "", SESSION_TTL: "30d" } });
});
afterAll(() => server.stop());

const SERIES = `query($id: ID!, $g: UsageGranularity!, $from: DateTime, $to: DateTime) {
  apiKey(id: $id) { usageSeries(granularity: $g, from: $from, to: $to) { start count forbidden } }
}`;

/** Requests at the given instants: allowed ones, and forbidden ones where marked. */
async function requestsAt(secret: string, plan: [iso: string, forbidden?: boolean][]): Promise<void> {
  for (const [iso, forbidden] of plan) {
    clock.set(new Date(iso));
    await gql(server.url, forbidden ? FORBIDDEN_QUERY : ALLOWED_QUERY, {}, secret);
  }
  await server.services.usage.recorder.flushAll();
}

describe("usageSeries", () => {
  let admin: Awaited<ReturnType<typeof signUp>>;
  let key: Awaited<ReturnType<typeof createKey>>;

  beforeAll(async () => {
    clock.set(START);
    admin = await signUp(server.url);
    key = await createKey(server.url, admin.token);
    await requestsAt(key.secret, [
      ["2026-05-04T08:00:10.000Z"],
      ["2026-05-04T08:00:50.000Z", true],
      ["2026-05-04T08:02:00.000Z"],
      ["2026-05-04T09:30:00.000Z"],
      ["2026-05-05T00:00:00.000Z", true],
    ]);
  });

  it("MINUTE buckets from `from` to `to` include both ends, with empty minutes as 0", async () => {
    const points = dataOf(
      await gql(server.url, SERIES, { id: key.id, g: "MINUTE", from: "2026-05-04T08:00:30Z", to: "2026-05-04T08:03:00Z" }, admin.token),
    ).apiKey.usageSeries;
    expect(points).toEqual([
      { start: "2026-05-04T08:00:00.000Z", count: 2, forbidden: 1 },
      { start: "2026-05-04T08:01:00.000Z", count: 0, forbidden: 0 },
      { start: "2026-05-04T08:02:00.000Z", count: 1, forbidden: 0 },
      { start: "2026-05-04T08:03:00.000Z", count: 0, forbidden: 0 },
    ]);
  });

  it("HOUR and DAY buckets are aligned to UTC and add up the same requests", async () => {
    const hours = dataOf(
      await gql(server.url, SERIES, { id: key.id, g: "HOUR", from: "2026-05-04T07:00:00Z", to: "2026-05-04T10:00:00Z" }, admin.token),
    ).apiKey.usageSeries;
    expect(hours.map((p: { count: number }) => p.count)).toEqual([0, 3, 1, 0]);
    const days = dataOf(
      await gql(server.url, SERIES, { id: key.id, g: "DAY", from: "2026-05-03T12:00:00Z", to: "2026-05-05T23:00:00Z" }, admin.token),
    ).apiKey.usageSeries;
    expect(days).toEqual([
      { start: "2026-05-03T00:00:00.000Z", count: 0, forbidden: 0 },
      { start: "2026-05-04T00:00:00.000Z", count: 4, forbidden: 1 },
      { start: "2026-05-05T00:00:00.000Z", count: 1, forbidden: 1 },
    ]);
  });

  it.each([
    ["MINUTE", 60],
    ["HOUR", 24],
    ["DAY", 30],
  ])("without from and to, %s returns the last %i buckets up to now", async (granularity, points) => {
    clock.set(new Date("2026-05-05T00:00:30.000Z"));
    const series = dataOf(await gql(server.url, SERIES, { id: key.id, g: granularity }, admin.token)).apiKey.usageSeries;
    expect(series).toHaveLength(points);
    expect(series[series.length - 1].count).toBe(1);
  });

  it("a SECURITY member reads a series", async () => {
    const security = await createMember(server.url, admin.token, "SECURITY");
    const series = dataOf(
      await gql(server.url, SERIES, { id: key.id, g: "DAY", from: "2026-05-04T00:00:00Z", to: "2026-05-04T00:00:00Z" }, security.token),
    ).apiKey.usageSeries;
    expect(series).toEqual([{ start: "2026-05-04T00:00:00.000Z", count: 4, forbidden: 1 }]);
  });

  it("more than 1,440 points, or from after to, is BAD_USER_INPUT naming `from`", async () => {
    // A field argument's error nulls the (nullable) key, as GraphQL does; the error names the argument.
    for (const range of [
      { g: "MINUTE", from: "2026-05-03T00:00:00Z", to: "2026-05-04T00:00:00Z" },
      { g: "HOUR", from: "2026-05-04T00:00:00Z", to: "2026-05-03T00:00:00Z" },
    ]) {
      const response = await gql(server.url, SERIES, { id: key.id, ...range }, admin.token);
      expectBadInput({ ...response, body: { ...response.body, data: undefined } }, ["from"]);
      expect(response.body.data).toEqual({ apiKey: null });
    }
    // Exactly 1,440 minutes is allowed.
    const full = dataOf(
      await gql(server.url, SERIES, { id: key.id, g: "MINUTE", from: "2026-05-04T00:00:00Z", to: "2026-05-04T23:59:00Z" }, admin.token),
    ).apiKey.usageSeries;
    expect(full).toHaveLength(1440);
  });

  it("an API key is refused (403) and no credential is 401", async () => {
    expectForbidden(await gql(server.url, SERIES, { id: key.id, g: "HOUR" }, key.secret));
    expectUnauthenticated(await gql(server.url, SERIES, { id: key.id, g: "HOUR" }), "MISSING");
  });
});
