import { randomUUID } from "node:crypto";
import { Client } from "graphql-ws";
import { ManualClock } from "../../src/common/clock";
import { dataOf, gql } from "../support/client";
import { expectBadInput, expectForbidden, expectUnauthenticated } from "../support/assertions";
import { createKey, createMember, PASSWORD, signUp } from "../support/factories";
import { startTestServer, TestServer, whenRunning } from "../support/server";
import { createThrowawayDatabase, ThrowawayDatabase } from "../support/throwaway-database";
import { ALLOWED_QUERY, closeCodeOf, FORBIDDEN_QUERY, SubscriptionQueue, wsClient } from "../usage/usage-support";

const DAY = 86_400_000;
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const LIST = `query($kinds: [SecurityAlertKind!], $first: Int, $after: String) {
  securityAlerts(kinds: $kinds, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id kind message details occurredAt apiKey { id } } } }`;
const STREAM = `subscription($kinds: [SecurityAlertKind!]) { securityAlerts(kinds: $kinds) { kind message details apiKey { id name } } }`;

// Two instances over one database and Redis, sharing one clock the test moves.
const clock = new ManualClock(new Date());
let db: ThrowawayDatabase;
let a: TestServer;
let b: TestServer;
const clients: Client[] = [];
beforeAll(async () => {
  // This file moves its clock days ahead, and alert scans and usage digests reach every server of a
  // database and a Redis prefix: a database and a prefix of its own keep servers of other test files
  // (on the real clock) out of its alerts, and its scans out of theirs.
  db = await createThrowawayDatabase();
  // Sessions outlive the clock's jumps of days (one test moves it 31 days and signs in again).
  const env = {
    REDIS_URL,
    TRUST_PROXY: "1",
    SESSION_TTL: "30d",
    DATABASE_URL: db.url,
    REDIS_KEY_PREFIX: `security-alerts-${randomUUID()}:`,
  };
  [a, b] = await Promise.all([startTestServer({ env, clock }), startTestServer({ env, clock })]);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await a?.stop();
  await b?.stop();
  await db?.drop();
});

/** A live alert stream, returned once the server runs it (no protocol message says so: watch its gauge). */
async function stream(server: TestServer, token: string, kinds?: string[]) {
  const client = wsClient(server.wsUrl, token);
  clients.push(client);
  return whenRunning(server, () => new SubscriptionQueue(client, STREAM, kinds ? { kinds } : {}));
}
const alertsOf = async (token: string, kinds?: string[]) => dataOf(await gql(a.url, LIST, { kinds, first: 100 }, token)).securityAlerts;
const both = async () => {
  await Promise.all([a.services.usage.recorder.flushAll(), b.services.usage.recorder.flushAll()]);
};
/** Both instances scan; repeated until one of them held the scan's lock (one instance at a time scans). */
async function scanBoth(): Promise<void> {
  for (let round = 0; round < 200; round++) {
    const ran = await Promise.all([a.services.alerts.expiryJob.runOnce(), b.services.alerts.expiryJob.runOnce()]);
    if (ran.some((raised) => raised !== null)) return;
  }
  throw new Error("neither instance got the expiry scan's lock in 200 rounds");
}
/** `count` requests, alternating between the two instances, from one address. */
async function requests(secret: string, count: number, query = ALLOWED_QUERY, address = "203.0.113.10") {
  for (let i = 0; i < count; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, count - i) }, (_, j) =>
        gql((i + j) % 2 ? b.url : a.url, query, {}, secret, { "x-forwarded-for": address }),
      ),
    );
  }
  await both();
}

describe("securityAlerts query: who may read it and how it pages", () => {
  it("ADMIN and SECURITY read their workspace's alerts newest first, page by page and by kind; keys and anonymous callers may not", async () => {
    const admin = await signUp(a.url);
    const security = await createMember(a.url, admin.token, "SECURITY");
    const key = await createKey(a.url, admin.token);
    for (let i = 0; i < 3; i++) {
      const leaked = await createKey(a.url, admin.token);
      await a.services.leaks.report([{ token: leaked.secret }]);
      clock.advance(1000);
    }
    await a.services.leaks.report([{ token: key.secret }]);
    const all = await alertsOf(security.token);
    expect(all.totalCount).toBe(4);
    expect(all.nodes[0].apiKey.id).toBe(key.id);
    const times = all.nodes.map((n: any) => n.occurredAt);
    expect([...times].sort().reverse()).toEqual(times);
    const first = dataOf(await gql(a.url, LIST, { first: 2 }, admin.token)).securityAlerts;
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = dataOf(await gql(a.url, LIST, { first: 2, after: first.pageInfo.endCursor }, admin.token)).securityAlerts;
    expect([...first.nodes, ...rest.nodes].map((n: any) => n.id)).toEqual(all.nodes.map((n: any) => n.id));
    expect((await alertsOf(admin.token, ["USAGE_SPIKE"])).totalCount).toBe(0);
    expectForbidden(await gql(a.url, LIST, {}, (await createKey(a.url, admin.token)).secret));
    expectUnauthenticated(await gql(a.url, LIST, {}), "MISSING");
    expectBadInput(await gql(a.url, LIST, { first: 101 }, admin.token), ["first"]);
    expectBadInput(await gql(a.url, LIST, { kinds: [] }, admin.token), ["kinds"]);
    expectBadInput(await gql(a.url, LIST, { after: "nope" }, admin.token), ["after"]);
  });

  it("an API key cannot open the alerts stream (keys never use the socket)", async () => {
    const admin = await signUp(a.url);
    const key = await createKey(a.url, admin.token);
    expect(await closeCodeOf(a.wsUrl, key.secret)).toBe(4403);
  });
});

describe("expiry alerts, from the scan one instance at a time runs (driven by the clock)", () => {
  it("KEY_EXPIRING once when 7 days or less are left, KEY_EXPIRED once when the key expired, pushed to SECURITY members", async () => {
    const admin = await signUp(a.url);
    const security = await createMember(a.url, admin.token, "SECURITY");
    const live = await stream(b, security.token, ["KEY_EXPIRING", "KEY_EXPIRED"]);
    const key = await createKey(a.url, admin.token, undefined, {
      name: "CRM Integration",
      expiresAt: new Date(clock.now().getTime() + 8 * DAY).toISOString(),
    });
    await scanBoth();
    expect((await alertsOf(admin.token)).totalCount).toBe(0);
    clock.advance(DAY);
    await scanBoth();
    await scanBoth();
    expect((await live.data()).securityAlerts).toEqual({
      kind: "KEY_EXPIRING",
      message: 'Key "CRM Integration" expires in 7 days',
      details: { expiresAt: expect.any(String) },
      apiKey: { id: key.id, name: "CRM Integration" },
    });
    clock.advance(7 * DAY);
    await scanBoth();
    await scanBoth();
    expect((await live.data()).securityAlerts).toMatchObject({ kind: "KEY_EXPIRED", message: 'Key "CRM Integration" has expired' });
    expect((await alertsOf(admin.token)).nodes.map((n: any) => n.kind)).toEqual(["KEY_EXPIRED", "KEY_EXPIRING"]);
  });

  it("a key created already inside the window gets KEY_EXPIRING at the next scan", async () => {
    const admin = await signUp(a.url);
    const key = await createKey(a.url, admin.token, undefined, {
      expiresAt: new Date(clock.now().getTime() + 3 * 3_600_000).toISOString(),
    });
    await scanBoth();
    expect((await alertsOf(admin.token)).nodes).toEqual([
      expect.objectContaining({ kind: "KEY_EXPIRING", message: 'Key "Test key" expires in 3 hours', apiKey: { id: key.id } }),
    ]);
  });

  it("no expiry alert for the old key of a rotation, nor for a key that expired more than 24 h before the scan saw it", async () => {
    const admin = await signUp(a.url);
    const old = await createKey(a.url, admin.token);
    const rotated = dataOf(
      await gql(
        a.url,
        `mutation($id: ID!) { rotateApiKey(id: $id, gracePeriodSeconds: 3600) { apiKey { id } } }`,
        { id: old.id },
        admin.token,
      ),
    );
    await scanBoth();
    clock.advance(2 * 3_600_000);
    await scanBoth();
    const stale = await createKey(a.url, admin.token, undefined, { expiresAt: new Date(clock.now().getTime() + 60_000).toISOString() });
    // Expired 25 h before this clock and before the real one (other test servers scan by real time).
    await a.dataSource.query(`UPDATE api_key SET expires_at = $2 WHERE id = $1`, [
      stale.id,
      new Date(Math.min(Date.now(), clock.now().getTime()) - 25 * 3_600_000),
    ]);
    await scanBoth();
    expect(rotated.rotateApiKey.apiKey.id).toBeDefined();
    expect((await alertsOf(admin.token)).totalCount).toBe(0);
  });
});

describe("alert retention", () => {
  it("alerts are kept 90 days and more; those older than 180 days and addresses unseen for 31 days are removed", async () => {
    const admin = await signUp(a.url);
    const key = await createKey(a.url, admin.token);
    const insert = (kind: string, ageDays: number) =>
      a.dataSource.query(
        `INSERT INTO security_alert (workspace_id, api_key_id, kind, occurred_at, message, dedupe_key) VALUES ($1, $2, $3, $4, 'old', $5)`,
        [admin.workspaceId, key.id, kind, new Date(clock.now().getTime() - ageDays * DAY), `age-${ageDays}`],
      );
    await insert("USAGE_SPIKE", 91);
    await insert("FORBIDDEN_BURST", 179);
    await insert("USAGE_SPIKE", 181);
    await a.dataSource.query(
      `INSERT INTO key_address (api_key_id, address, first_seen_at, last_seen_at) VALUES ($1, '192.0.2.1', $2, $2), ($1, '192.0.2.2', $3, $3)`,
      [key.id, new Date(clock.now().getTime() - 32 * DAY), new Date(clock.now().getTime() - 29 * DAY)],
    );
    clock.advance(2 * 3_600_000); // the purge runs at most once an hour per instance
    await scanBoth();
    const ages = (
      await a.dataSource.query(`SELECT dedupe_key FROM security_alert WHERE api_key_id = $1 ORDER BY occurred_at`, [key.id])
    ).map((r: any) => r.dedupe_key);
    expect(ages).toEqual(["age-179", "age-91"]);
    const addresses = (await a.dataSource.query(`SELECT address FROM key_address WHERE api_key_id = $1`, [key.id])).map(
      (r: any) => r.address,
    );
    expect(addresses).toEqual(["192.0.2.2"]);
  });
});

describe("usage alerts, from what metering carries, raised once across two instances", () => {
  it("USAGE_SPIKE once when a key's requests in 60 s exceed 100, within 5 s, then not again within the hour", async () => {
    const admin = await signUp(a.url);
    const key = await createKey(a.url, admin.token);
    const live = await stream(a, admin.token);
    await requests(key.secret, 60);
    await requests(key.secret, 41);
    const raised = performance.now();
    expect((await live.data(5000)).securityAlerts).toMatchObject({
      kind: "USAGE_SPIKE",
      details: { requests: 101, windowSeconds: 60, threshold: 100 },
    });
    expect(performance.now() - raised).toBeLessThan(5000);
    await requests(key.secret, 50);
    // A later alert of another kind marks that both instances went past the spike's cooldown window.
    await requests(key.secret, 20, FORBIDDEN_QUERY);
    expect((await live.data(5000)).securityAlerts.kind).toBe("FORBIDDEN_BURST");
    expect((await alertsOf(admin.token, ["USAGE_SPIKE"])).totalCount).toBe(1);
  });

  it("the spike threshold is 10 × the previous 24 h's per-minute rate when that is above 100", async () => {
    const admin = await signUp(a.url);
    const key = await createKey(a.url, admin.token);
    // 20,000 requests two hours ago: threshold 10 × 20,000 ÷ 1,440 = 138.
    await a.dataSource.query(
      `INSERT INTO usage_hour (api_key_id, hour, count, forbidden) VALUES ($1, date_trunc('hour', $2::timestamptz) - interval '2 hours', 20000, 0)`,
      [key.id, clock.now()],
    );
    const live = await stream(a, admin.token, ["USAGE_SPIKE"]);
    await requests(key.secret, 130);
    await requests(key.secret, 10);
    const alert = (await live.data(5000)).securityAlerts;
    expect(alert.details.threshold).toBe(138);
    // Fired at the first flush past 138 (a flush may carry several requests), not at 101.
    expect(alert.details.requests).toBeGreaterThan(138);
    expect(alert.details.requests).toBeLessThanOrEqual(140);
  });

  it("FORBIDDEN_BURST once at 20 refusals (FORBIDDEN or IP_NOT_ALLOWED) within 60 s, then not again within 10 minutes", async () => {
    const admin = await signUp(a.url);
    const key = await createKey(a.url, admin.token, undefined, { allowedCidrs: ["203.0.113.0/24"] });
    const live = await stream(b, admin.token);
    await requests(key.secret, 10, FORBIDDEN_QUERY);
    await requests(key.secret, 9, ALLOWED_QUERY, "198.51.100.1");
    await requests(key.secret, 1, ALLOWED_QUERY, "198.51.100.1");
    expect((await live.data(5000)).securityAlerts).toMatchObject({ kind: "FORBIDDEN_BURST", details: { refused: 20, windowSeconds: 60 } });
    await requests(key.secret, 30, FORBIDDEN_QUERY);
    clock.advance(11 * 60_000);
    await requests(key.secret, 20, FORBIDDEN_QUERY);
    expect((await live.data(5000)).securityAlerts).toMatchObject({ kind: "FORBIDDEN_BURST", details: { refused: 20 } });
    expect((await alertsOf(admin.token, ["FORBIDDEN_BURST"])).totalCount).toBe(2);
  });

  it("NEW_CLIENT_ADDRESS once per new address (IPv6 per /64), never for the key's very first address", async () => {
    const admin = await signUp(a.url);
    const key = await createKey(a.url, admin.token);
    const live = await stream(a, admin.token, ["NEW_CLIENT_ADDRESS"]);
    await requests(key.secret, 2, ALLOWED_QUERY, "203.0.113.1");
    await requests(key.secret, 4, ALLOWED_QUERY, "198.51.100.7");
    expect((await live.data(5000)).securityAlerts).toMatchObject({ kind: "NEW_CLIENT_ADDRESS", details: { address: "198.51.100.7" } });
    await requests(key.secret, 2, ALLOWED_QUERY, "2001:db8:1:2::1");
    await requests(key.secret, 2, ALLOWED_QUERY, "2001:DB8:1:2:ffff::9");
    await requests(key.secret, 2, ALLOWED_QUERY, "::ffff:198.51.100.7");
    await requests(key.secret, 2, ALLOWED_QUERY, "2001:db8:1:3::1");
    expect((await live.data(5000)).securityAlerts.details).toEqual({ address: "2001:db8:1:2::/64" });
    expect((await live.data(5000)).securityAlerts.details).toEqual({ address: "2001:db8:1:3::/64" });
    expect((await alertsOf(admin.token, ["NEW_CLIENT_ADDRESS"])).nodes.map((n: any) => n.details.address).sort()).toEqual([
      "198.51.100.7",
      "2001:db8:1:2::/64",
      "2001:db8:1:3::/64",
    ]);
  });

  it("NEW_CLIENT_ADDRESS is told one by one for 5 new addresses of a key a minute, both instances together, and the rest in one summary", async () => {
    const admin = await signUp(a.url);
    const key = await createKey(a.url, admin.token);
    await requests(key.secret, 1, ALLOWED_QUERY, "203.0.113.1");
    const live = await stream(a, admin.token, ["NEW_CLIENT_ADDRESS"]);
    // 30 new /64s within one minute, half of them served by each instance.
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        gql(i % 2 ? b.url : a.url, ALLOWED_QUERY, {}, key.secret, { "x-forwarded-for": `2001:db8:${i + 1}::1` }),
      ),
    );
    await both();
    const received = [];
    for (let i = 0; i < 6; i++) received.push((await live.data(5000)).securityAlerts);
    const stored = await alertsOf(admin.token, ["NEW_CLIENT_ADDRESS"]);
    expect(stored.totalCount).toBe(6);
    const summaries = stored.nodes.filter((n: any) => n.details.summarised !== undefined);
    expect(summaries).toHaveLength(1);
    expect(summaries[0].details.summarised).toBeGreaterThan(0);
    expect(summaries[0].details.summarised).toBeLessThanOrEqual(25);
    expect(stored.nodes.filter((n: any) => n.details.address)).toHaveLength(5);
    expect(received.map((r) => r.kind)).toEqual(Array(6).fill("NEW_CLIENT_ADDRESS"));
  });

  it("an address unused for more than 30 days is new again", async () => {
    const admin = await signUp(a.url);
    const key = await createKey(a.url, admin.token);
    await requests(key.secret, 1, ALLOWED_QUERY, "203.0.113.1");
    await requests(key.secret, 1, ALLOWED_QUERY, "203.0.113.2");
    clock.advance(31 * DAY);
    const signedIn = dataOf(
      await gql(a.url, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`, { e: admin.email, p: PASSWORD }),
    ).signIn.token;
    const live = await stream(a, signedIn, ["NEW_CLIENT_ADDRESS"]);
    await requests(key.secret, 1, ALLOWED_QUERY, "203.0.113.1");
    await requests(key.secret, 1, ALLOWED_QUERY, "203.0.113.3");
    expect((await live.data(5000)).securityAlerts.details.address).toBe("203.0.113.1");
    expect((await live.data(5000)).securityAlerts.details.address).toBe("203.0.113.3");
    expect((await alertsOf(signedIn, ["NEW_CLIENT_ADDRESS"])).totalCount).toBe(3);
  });

  it("alerts reach only the key's own workspace", async () => {
    const mine = await signUp(a.url);
    const other = await signUp(a.url);
    const otherLive = await stream(b, other.token);
    const key = await createKey(a.url, mine.token);
    const otherKey = await createKey(a.url, other.token);
    await a.services.leaks.report([{ token: key.secret }]);
    await a.services.leaks.report([{ token: otherKey.secret }]);
    expect((await otherLive.data()).securityAlerts.apiKey.id).toBe(otherKey.id);
    expect((await alertsOf(other.token)).nodes.map((n: any) => n.apiKey.id)).toEqual([otherKey.id]);
    expect((await alertsOf(mine.token)).nodes.map((n: any) => n.apiKey.id)).toEqual([key.id]);
  });

  it("a digest naming a key of another workspace, or a key this database does not hold, raises nothing", async () => {
    const mine = await signUp(a.url);
    const other = await signUp(a.url);
    const myKey = await createKey(a.url, mine.token);
    const otherKey = await createKey(a.url, other.token);
    const otherLive = await stream(b, other.token);
    // What another deployment on the same Redis, or a forged message, could carry: far past every threshold.
    const t = clock.now().getTime();
    const unknownKey = randomUUID();
    const forged = (k: string) => ({ k, w: other.workspaceId, s: Math.floor(t / 1000), t, n: 500, f: 50 });
    a.services.bus.publish("grantql.usage.digest", { entries: [forged(myKey.id), forged(unknownKey)] });
    // Every instance reads digests in order, so the first alert here comes after the forged entries were weighed.
    await requests(otherKey.secret, 20, FORBIDDEN_QUERY);
    expect((await otherLive.data(5000)).securityAlerts).toMatchObject({ kind: "FORBIDDEN_BURST", apiKey: { id: otherKey.id } });
    expect((await alertsOf(other.token)).nodes.map((n: any) => [n.kind, n.apiKey.id])).toEqual([["FORBIDDEN_BURST", otherKey.id]]);
    expect((await alertsOf(mine.token)).totalCount).toBe(0);
    expect((await a.dataSource.query(`SELECT count(*)::int AS n FROM security_alert WHERE api_key_id = $1`, [unknownKey]))[0].n).toBe(0);
  });
});
