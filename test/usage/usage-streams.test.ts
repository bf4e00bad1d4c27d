import { Client } from "graphql-ws";
import { expectForbidden } from "../support/assertions";
import { dataOf, gql } from "../support/client";
import { createKey, createMember, signUp, SignedUp } from "../support/factories";
import { startTestServer, TestServer, whenRunning } from "../support/server";
import { ALLOWED_QUERY, closeCodeOf, FORBIDDEN_QUERY, SubscriptionQueue, usageOf, wsClient } from "./usage-support";

let server: TestServer;
const clients: Client[] = [];
beforeAll(async () => {
  // Flushes every 100 ms, so only the stream's coalescing can keep updates a second apart.
  server = await startTestServer({ env: { REDIS_URL: "", USAGE_FLUSH_INTERVAL_MS: "100" } });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
});
afterAll(() => server.stop());

function connect(token: string, onClosed?: (code: number) => void): Client {
  const client = wsClient(server.wsUrl, token, onClosed);
  clients.push(client);
  return client;
}

const USAGE_SUB = `subscription($id: ID) { apiKeyUsage(apiKeyId: $id) { apiKey { id name } usage { last24h last7d last30d } lastUsedAt } }`;
const EVENT_LOG = `query($id: ID) { usageEventLog(apiKeyId: $id) { nodes { operationName outcome resources } } }`;
const EVENTS_SUB = `subscription($id: ID, $outcomes: [UsageOutcome!]) { usageEvents(apiKeyId: $id, outcomes: $outcomes) { id apiKeyId occurredAt operationType operationName resources outcome durationMs } }`;

describe("apiKeyUsage", () => {
  let admin: SignedUp;
  beforeAll(async () => {
    admin = await signUp(server.url);
  });

  it("sends the current counters first, then the new ones after a request", async () => {
    const key = await createKey(server.url, admin.token);
    dataOf(await gql(server.url, ALLOWED_QUERY, {}, key.secret));
    await server.services.usage.recorder.flushAll();
    const sub = new SubscriptionQueue(connect(admin.token), USAGE_SUB, { id: key.id });
    const first = await sub.data();
    expect(first.apiKeyUsage).toMatchObject({ apiKey: { id: key.id, name: "Test key" }, usage: { last24h: 1, last7d: 1, last30d: 1 } });
    expect(first.apiKeyUsage.lastUsedAt).toEqual(expect.any(String));
    dataOf(await gql(server.url, ALLOWED_QUERY, {}, key.secret));
    expect((await sub.data()).apiKeyUsage.usage).toEqual({ last24h: 2, last7d: 2, last30d: 2 });
  });

  it("coalesces changes to at most one message per key per second", async () => {
    const key = await createKey(server.url, admin.token);
    const sub = new SubscriptionQueue(connect(admin.token), USAGE_SUB, { id: key.id });
    const snapshot = await sub.next();
    const received = [snapshot];
    let sending = true;
    // Keep the key busy (a flush every ~interval) until three updates have arrived.
    const load = (async () => {
      while (sending) await gql(server.url, ALLOWED_QUERY, {}, key.secret);
    })();
    for (let i = 0; i < 3; i++) received.push(await sub.next(5000));
    sending = false;
    await load;
    // The server paces updates 1 s apart; gaps are measured where they arrive, so allow delivery
    // jitter on a loaded machine — far above the 100 ms flushes that would arrive uncoalesced.
    for (let i = 1; i < received.length; i++) expect(received[i].at - received[i - 1].at).toBeGreaterThanOrEqual(800);
    const counts = received.map((r) => r.value.data!.apiKeyUsage.usage.last24h);
    expect([...counts].sort((a, b) => a - b)).toEqual(counts);
  });

  it("every subscriber of a key ends on its final counters, whenever each one joined", async () => {
    // Flushes every 100 ms while subscribers join at moments spread over more than a second, so
    // each one's first message falls at a different point of the 1 s gap; none may be handed
    // counters read before the last change.
    const key = await createKey(server.url, admin.token);
    let sending = true;
    const load = (async () => {
      while (sending) await gql(server.url, ALLOWED_QUERY, {}, key.secret);
    })();
    const subs: SubscriptionQueue[] = [];
    for (let i = 0; i < 12; i++) {
      const sub = new SubscriptionQueue(connect(admin.token), USAGE_SUB, { id: key.id });
      await sub.next(); // its first message
      subs.push(sub);
      await new Promise((resolve) => setTimeout(resolve, 110)); // spreads the joins, waits for nothing
    }
    sending = false;
    await load;
    await server.services.usage.recorder.flushAll();
    const final = (await usageOf(server.url, admin.token, key.id)).last24h;
    await Promise.all(
      subs.map(async (sub) => {
        let last = -1;
        while (last !== final) {
          last = (await sub.data(5000)).apiKeyUsage.usage.last24h;
          expect(last).toBeLessThanOrEqual(final);
        }
      }),
    );
  });

  it("without apiKeyId, streams changes of every key of the workspace and of no other", async () => {
    // A workspace of its own: earlier tests' keys may still have coalesced updates due.
    const admin = await signUp(server.url);
    const [keyA, keyB] = [await createKey(server.url, admin.token), await createKey(server.url, admin.token)];
    const other = await signUp(server.url, "Other");
    const otherKey = await createKey(server.url, other.token);
    const sub = new SubscriptionQueue(connect(admin.token), USAGE_SUB, {});
    await gql(server.url, ALLOWED_QUERY, {}, otherKey.secret);
    await gql(server.url, ALLOWED_QUERY, {}, keyA.secret);
    await gql(server.url, ALLOWED_QUERY, {}, keyB.secret);
    const ids = new Set([(await sub.data()).apiKeyUsage.apiKey.id, (await sub.data()).apiKeyUsage.apiKey.id]);
    expect(ids).toEqual(new Set([keyA.id, keyB.id]));
  });

  it("another workspace's key reads as unknown (NOT_FOUND); a malformed id is BAD_USER_INPUT", async () => {
    const other = await signUp(server.url, "Other");
    const otherKey = await createKey(server.url, other.token);
    const client = connect(admin.token);
    const foreign = new SubscriptionQueue(client, USAGE_SUB, { id: otherKey.id });
    expect((await foreign.next()).value.errors?.[0].extensions.code).toBe("NOT_FOUND");
    const unknown = new SubscriptionQueue(client, USAGE_SUB, { id: "00000000-0000-4000-8000-000000000000" });
    expect((await unknown.next()).value.errors?.[0].extensions.code).toBe("NOT_FOUND");
    const malformed = new SubscriptionQueue(client, USAGE_SUB, { id: "not-a-key" });
    expect((await malformed.next()).value.errors?.[0].extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      fields: [{ field: "apiKeyId" }],
    });
  });
});

/** A `usageEvents` subscription, returned once the server runs its stream (it has no first message to wait for). */
const subscribed = (client: Client, variables: Record<string, unknown>) =>
  whenRunning(server, () => new SubscriptionQueue(client, EVENTS_SUB, variables));

describe("usageEvents", () => {
  let admin: SignedUp;
  beforeAll(async () => {
    admin = await signUp(server.url);
  });

  it("streams every event of the workspace with its details, REJECTED ones included", async () => {
    const key = await createKey(server.url, admin.token, [{ resource: "CALLS", read: true }]);
    const security = await createMember(server.url, admin.token, "SECURITY");
    const sub = await subscribed(connect(security.token), { id: key.id });
    await gql(server.url, "query Calls { calls { totalCount } }", {}, key.secret);
    dataOf(await gql(server.url, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: key.id }, admin.token));
    expect((await gql(server.url, ALLOWED_QUERY, {}, key.secret)).status).toBe(401);
    const first = (await sub.data()).usageEvents;
    expect(first).toMatchObject({
      apiKeyId: key.id,
      operationType: "query",
      operationName: "Calls",
      resources: ["CALLS"],
      outcome: "ALLOWED",
    });
    expect(first.durationMs).toBeGreaterThanOrEqual(0);
    expect((await sub.data()).usageEvents).toMatchObject({
      apiKeyId: key.id,
      operationName: "Allowed",
      resources: [],
      outcome: "REJECTED",
      durationMs: null,
    });
    // Streamed, but not counted.
    const usage = dataOf(await gql(server.url, `query($id: ID!) { apiKey(id: $id) { usage { last24h } } }`, { id: key.id }, admin.token));
    expect(usage.apiKey.usage.last24h).toBe(1);
  });

  it("filters by key and outcome, and never shows another workspace's events", async () => {
    const [keyA, keyB] = [await createKey(server.url, admin.token), await createKey(server.url, admin.token)];
    const other = await signUp(server.url, "Other");
    const otherKey = await createKey(server.url, other.token);
    const filtered = await subscribed(connect(admin.token), { id: keyA.id, outcomes: ["FORBIDDEN"] });
    const everything = await subscribed(connect(admin.token), {});
    await gql(server.url, ALLOWED_QUERY, {}, keyA.secret);
    await gql(server.url, FORBIDDEN_QUERY, {}, keyB.secret);
    await gql(server.url, FORBIDDEN_QUERY, {}, otherKey.secret);
    await gql(server.url, "query Marker { leads { totalCount } }", {}, keyA.secret);
    // In recording order: the first matching event is the marker, so nothing else got through.
    expect((await filtered.data()).usageEvents).toMatchObject({ apiKeyId: keyA.id, operationName: "Marker", outcome: "FORBIDDEN" });
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push((await everything.data()).usageEvents);
    expect(seen.map((e) => [e.apiKeyId, e.outcome])).toEqual([
      [keyA.id, "ALLOWED"],
      [keyB.id, "FORBIDDEN"],
      [keyA.id, "FORBIDDEN"],
    ]);
  });

  it("a FORBIDDEN event names the resources the operation asked for, the lacking ones included, live and stored", async () => {
    const key = await createKey(server.url, admin.token, [{ resource: "CALLS", read: true }]);
    const sub = await subscribed(connect(admin.token), { id: key.id });
    expectForbidden(await gql(server.url, FORBIDDEN_QUERY, {}, key.secret), ["leads:read"]);
    expectForbidden(await gql(server.url, "query Both { calls { totalCount } leads { totalCount } }", {}, key.secret), ["leads:read"]);
    const live = [(await sub.data()).usageEvents, (await sub.data()).usageEvents];
    expect(live.map((e) => [e.operationName, e.outcome, e.resources])).toEqual([
      ["Forbidden", "FORBIDDEN", ["LEADS"]],
      ["Both", "FORBIDDEN", ["CALLS", "LEADS"]],
    ]);
    await server.services.usage.recorder.flushAll();
    const stored = dataOf(await gql(server.url, EVENT_LOG, { id: key.id }, admin.token)).usageEventLog.nodes;
    expect(
      stored.map((e: { operationName: string; outcome: string; resources: string[] }) => [e.operationName, e.outcome, e.resources]),
    ).toEqual([
      ["Both", "FORBIDDEN", ["CALLS", "LEADS"]],
      ["Forbidden", "FORBIDDEN", ["LEADS"]],
    ]);
  });

  it("an empty outcomes list and a malformed key id are BAD_USER_INPUT naming both", async () => {
    const sub = new SubscriptionQueue(connect(admin.token), EVENTS_SUB, { id: "x", outcomes: [] });
    const error = (await sub.next()).value.errors?.[0];
    expect(error?.extensions.code).toBe("BAD_USER_INPUT");
    expect(error?.extensions.fields.map((f: { field: string }) => f.field).sort()).toEqual(["apiKeyId", "outcomes"]);
  });
});

describe("connection rules", () => {
  it("a missing or bad token closes with 4401", async () => {
    expect(await closeCodeOf(server.wsUrl, undefined)).toBe(4401);
    expect(await closeCodeOf(server.wsUrl, "gqs_nonsense")).toBe(4401);
  });

  it("an API key is closed with 4403 and its attempt counts once, as a FORBIDDEN subscription", async () => {
    const admin = await signUp(server.url);
    const key = await createKey(server.url, admin.token);
    const events = await subscribed(connect(admin.token), { id: key.id });
    expect(await closeCodeOf(server.wsUrl, key.secret)).toBe(4403);
    expect((await events.data()).usageEvents).toMatchObject({ operationType: "subscription", outcome: "FORBIDDEN" });
    const usage = dataOf(await gql(server.url, `query($id: ID!) { apiKey(id: $id) { usage { last24h } } }`, { id: key.id }, admin.token));
    expect(usage.apiKey.usage.last24h).toBe(1);
  });

  it("signing out ends the session's live streams (closed with 4401)", async () => {
    const admin = await signUp(server.url);
    const member = await createMember(server.url, admin.token, "SECURITY");
    let closed!: (code: number) => void;
    const closedWith = new Promise<number>((resolve) => (closed = resolve));
    const sub = new SubscriptionQueue(
      connect(member.token, (code) => closed(code)),
      EVENTS_SUB,
      {},
    );
    // The subscription is live once the server has answered something on it; a request of its workspace does.
    const key = await createKey(server.url, admin.token);
    await gql(server.url, ALLOWED_QUERY, {}, key.secret);
    await sub.next();
    dataOf(await gql(server.url, "mutation { signOut }", {}, member.token));
    expect(await closedWith).toBe(4401);
  });

  it("an expired session ends its live streams", async () => {
    const admin = await signUp(server.url);
    const member = await createMember(server.url, admin.token, "ADMIN");
    let closed!: (code: number) => void;
    const closedWith = new Promise<number>((resolve) => (closed = resolve));
    const sub = new SubscriptionQueue(
      connect(member.token, (code) => closed(code)),
      EVENTS_SUB,
      {},
    );
    const key = await createKey(server.url, admin.token);
    await gql(server.url, ALLOWED_QUERY, {}, key.secret);
    await sub.next();
    // The clock is the file's: moved back whatever happens, or every later test's sessions have expired.
    const jump = server.config.sessionTtlSeconds * 1000 + 1000;
    server.clock.advance(jump);
    try {
      expect(await closedWith).toBe(4401);
    } finally {
      server.clock.advance(-jump);
    }
  });
});
