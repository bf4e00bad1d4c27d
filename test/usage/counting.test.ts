import { ManualClock } from "../../src/common/clock";
import { expectForbidden, expectUnauthenticated } from "../support/assertions";
import { dataOf, gql } from "../support/client";
import { createKey, createMember, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { eventually } from "../support/eventually";
import { ALLOWED_QUERY, FORBIDDEN_QUERY, usageOf, USAGE_QUERY } from "./usage-support";

// Minute-aligned plus 30 s, so "the same minute" and "the next minute" are unambiguous.
const START = new Date("2026-03-10T10:00:30.000Z");
let server: TestServer;
let clock: ManualClock;

beforeAll(async () => {
  clock = new ManualClock(START);
  server = await startTestServer({ clock, env: { REDIS_URL: "", SESSION_TTL: "30d" } });
});
afterAll(() => server.stop());
beforeEach(() => clock.set(START));

const flush = () => server.services.usage.recorder.flushAll();

describe("counting", () => {
  it("N allowed and M forbidden requests count N+M in every window, within 2 seconds and without a forced flush", async () => {
    const admin = await signUp(server.url);
    const key = await createKey(server.url, admin.token, [{ resource: "CALLS", read: true }]);
    for (let i = 0; i < 4; i++) dataOf(await gql(server.url, ALLOWED_QUERY, {}, key.secret));
    for (let i = 0; i < 3; i++) expectForbidden(await gql(server.url, FORBIDDEN_QUERY, {}, key.secret), ["leads:read"]);
    const usage = await eventually(
      () => usageOf(server.url, admin.token, key.id),
      (u) => u.last24h === 7,
      2000,
    );
    expect(usage).toEqual({ last24h: 7, last7d: 7, last30d: 7 });
  });

  it("invalid and failing requests count too; member sessions are never counted", async () => {
    const admin = await signUp(server.url);
    const key = await createKey(server.url, admin.token);
    expect((await gql(server.url, "{ viewer { nope } }", {}, key.secret)).status).toBe(400);
    expect((await gql(server.url, "{ viewer ", {}, key.secret)).status).toBe(400);
    for (let i = 0; i < 5; i++) dataOf(await gql(server.url, ALLOWED_QUERY, {}, admin.token));
    await flush();
    expect(await usageOf(server.url, admin.token, key.id)).toEqual({ last24h: 2, last7d: 2, last30d: 2 });
    const rows = await server.dataSource.query(`SELECT outcome, count(*)::int AS n FROM usage_event WHERE api_key_id = $1 GROUP BY 1`, [
      key.id,
    ]);
    expect(rows).toEqual([{ outcome: "INVALID", n: 2 }]);
  });

  it("an operationName PostgreSQL cannot store (NUL, an unpaired surrogate) is stored with U+FFFD, and the batch with it is written", async () => {
    const admin = await signUp(server.url);
    const key = await createKey(server.url, admin.token);
    const names = ["nul\u0000here", "half\ud800pair", `${"x".repeat(199)}\ud83d\ude00`];
    for (const operationName of names) {
      const response = await fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key.secret}` },
        body: JSON.stringify({ query: "{ viewer ", operationName }),
      });
      expect(response.status).toBe(400);
    }
    dataOf(await gql(server.url, ALLOWED_QUERY, {}, key.secret));
    await flush();
    const rows = await server.dataSource.query(`SELECT outcome, operation_name AS name FROM usage_event WHERE api_key_id = $1`, [key.id]);
    expect(rows.map((r: { name: string | null }) => r.name).sort()).toEqual(
      ["nul\ufffdhere", "half\ufffdpair", `${"x".repeat(199)}\ufffd`, "Allowed"].sort(),
    );
    expect(await usageOf(server.url, admin.token, key.id)).toEqual({ last24h: 4, last7d: 4, last30d: 4 });
  });

  it("a request with a revoked or expired key is stored as REJECTED but never counted", async () => {
    const admin = await signUp(server.url);
    const key = await createKey(server.url, admin.token);
    dataOf(await gql(server.url, ALLOWED_QUERY, {}, key.secret));
    dataOf(await gql(server.url, `mutation($id: ID!) { revokeApiKey(id: $id) { status } }`, { id: key.id }, admin.token));
    expectUnauthenticated(await gql(server.url, ALLOWED_QUERY, {}, key.secret), "REVOKED");
    await flush();
    expect(await usageOf(server.url, admin.token, key.id)).toEqual({ last24h: 1, last7d: 1, last30d: 1 });
    const rows = await server.dataSource.query(
      `SELECT outcome, operation_name FROM usage_event WHERE api_key_id = $1 ORDER BY occurred_at, outcome`,
      [key.id],
    );
    expect(rows).toEqual([
      { outcome: "ALLOWED", operation_name: "Allowed" },
      { outcome: "REJECTED", operation_name: "Allowed" },
    ]);
  });

  it("events carry the operation type, name and the resources the operation touched", async () => {
    const admin = await signUp(server.url);
    const key = await createKey(server.url, admin.token, [{ resource: "CALLS", read: true }]);
    await gql(server.url, "query Calls { calls { totalCount } }", {}, key.secret);
    await flush();
    const [row] = await server.dataSource.query(
      `SELECT operation_type, operation_name, resources, duration_ms FROM usage_event WHERE api_key_id = $1`,
      [key.id],
    );
    expect(row).toMatchObject({ operation_type: "query", operation_name: "Calls", resources: ["calls"] });
    expect(row.duration_ms).toBeGreaterThanOrEqual(0);
  });

  it("lastUsedAt is the time of the latest counted request, to the millisecond of the clock", async () => {
    const admin = await signUp(server.url);
    const key = await createKey(server.url, admin.token);
    clock.set(new Date("2026-03-10T11:15:42.123Z"));
    dataOf(await gql(server.url, ALLOWED_QUERY, {}, key.secret));
    await flush();
    const data = dataOf(await gql(server.url, USAGE_QUERY, { id: key.id }, admin.token));
    expect(data.apiKey.lastUsedAt).toBe("2026-03-10T11:15:42.123Z");
  });
});

describe("windows, exact to the minute", () => {
  it("a request leaves last24h exactly when its minute is 24 hours old, and last7d and last30d likewise", async () => {
    const admin = await signUp(server.url);
    const key = await createKey(server.url, admin.token);
    dataOf(await gql(server.url, ALLOWED_QUERY, {}, key.secret)); // at 10:00:30
    await flush();
    const at = (iso: string) => {
      clock.set(new Date(iso));
      return usageOf(server.url, admin.token, key.id);
    };
    expect(await at("2026-03-11T09:59:59.999Z")).toEqual({ last24h: 1, last7d: 1, last30d: 1 });
    expect(await at("2026-03-11T10:00:00.000Z")).toEqual({ last24h: 0, last7d: 1, last30d: 1 });
    expect(await at("2026-03-17T09:59:59.999Z")).toEqual({ last24h: 0, last7d: 1, last30d: 1 });
    expect(await at("2026-03-17T10:00:00.000Z")).toEqual({ last24h: 0, last7d: 0, last30d: 1 });
    expect(await at("2026-04-09T09:59:59.999Z")).toEqual({ last24h: 0, last7d: 0, last30d: 1 });
    expect(await at("2026-04-09T10:00:00.000Z")).toEqual({ last24h: 0, last7d: 0, last30d: 0 });
  });

  it("requests either side of a minute and of an hour boundary are all counted, mixing minute and hour rollups", async () => {
    const admin = await signUp(server.url);
    const key = await createKey(server.url, admin.token);
    for (const iso of ["2026-03-10T10:59:59.999Z", "2026-03-10T11:00:00.000Z", "2026-03-10T11:00:59.999Z", "2026-03-10T11:01:00.000Z"]) {
      clock.set(new Date(iso));
      dataOf(await gql(server.url, ALLOWED_QUERY, {}, key.secret));
    }
    await flush();
    // 23 h 59 m later the window starts at 11:00, so the 10:59 request has just left it.
    clock.set(new Date("2026-03-11T10:59:30.000Z"));
    expect(await usageOf(server.url, admin.token, key.id)).toEqual({ last24h: 3, last7d: 4, last30d: 4 });
    clock.set(new Date("2026-03-11T10:58:59.000Z"));
    expect(await usageOf(server.url, admin.token, key.id)).toEqual({ last24h: 4, last7d: 4, last30d: 4 });
    // Three days on, the hours in between come from the hour rollup.
    clock.set(new Date("2026-03-13T12:34:00.000Z"));
    expect(await usageOf(server.url, admin.token, key.id)).toEqual({ last24h: 0, last7d: 4, last30d: 4 });
    const minutes = await server.dataSource.query(`SELECT minute, count FROM usage_minute WHERE api_key_id = $1 ORDER BY minute`, [key.id]);
    expect(minutes.map((m: { count: number }) => m.count)).toEqual([1, 2, 1]);
  });

  it("a page of keys reads its counters in one batched statement per field, each key its own", async () => {
    const admin = await signUp(server.url);
    const keys = [
      await createKey(server.url, admin.token),
      await createKey(server.url, admin.token),
      await createKey(server.url, admin.token),
    ];
    for (const [i, key] of keys.entries()) for (let n = 0; n <= i; n++) dataOf(await gql(server.url, ALLOWED_QUERY, {}, key.secret));
    await flush();
    const spy = jest.spyOn(server.services.usage.reader, "countsFor");
    const list = dataOf(await gql(server.url, "{ apiKeys { nodes { id usage { last24h } } } }", {}, admin.token)).apiKeys.nodes;
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    const byId = new Map(list.map((n: { id: string; usage: { last24h: number } }) => [n.id, n.usage.last24h]));
    expect(keys.map((k) => byId.get(k.id))).toEqual([1, 2, 3]);
  });

  it("a SECURITY member reads usage; an API key may not (403) and no credential is 401", async () => {
    const admin = await signUp(server.url);
    const security = await createMember(server.url, admin.token, "SECURITY");
    const key = await createKey(server.url, admin.token);
    expect(await usageOf(server.url, security.token, key.id)).toEqual({ last24h: 0, last7d: 0, last30d: 0 });
    expectForbidden(await gql(server.url, USAGE_QUERY, { id: key.id }, key.secret));
    expectUnauthenticated(await gql(server.url, USAGE_QUERY, { id: key.id }), "MISSING");
  });
});
