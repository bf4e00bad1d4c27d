import { createHmac } from "node:crypto";
import { Client } from "graphql-ws";
import { dataOf, gql } from "../support/client";
import { createKey, createMember, signUp } from "../support/factories";
import { ServerProcess, startServerProcess } from "../usage/server-process";
import { eventually } from "../support/eventually";
import { ALLOWED_QUERY, FORBIDDEN_QUERY, SubscriptionQueue, wsClient } from "../usage/usage-support";

const SECRET = "leak-relay-shared-secret-for-two-processes";
const KINDS = ["KEY_EXPIRING", "KEY_EXPIRED", "KEY_LEAKED", "USAGE_SPIKE", "NEW_CLIENT_ADDRESS", "FORBIDDEN_BURST"];
const STREAM = `subscription { securityAlerts { kind apiKey { id } } }`;

/** Two real server processes over one PostgreSQL and Redis, as behind a load balancer. */
let a: ServerProcess;
let b: ServerProcess;
const clients: Client[] = [];
// METRICS_PUBLIC: the test reads each process's running-subscriptions gauge to know its stream is live.
// Every test signs in from 127.0.0.1 and sign-in failures are shared through Redis, so the
// per-address lock is raised here as the in-process test servers raise it.
const env = {
  REDIS_URL: process.env.REDIS_URL || "redis://127.0.0.1:6379",
  TRUST_PROXY: "1",
  LEAK_REPORT_SECRET: SECRET,
  ALERT_SCAN_INTERVAL_MS: "200",
  METRICS_PUBLIC: "true",
  SIGNIN_IP_LOCK_AFTER: "100000",
};

beforeAll(async () => {
  [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  expect(await Promise.all([a.stop(), b.stop()])).toEqual([0, 0]);
});

/** `count` requests alternating between the processes, ten at a time. */
async function requests(secret: string, count: number, query = ALLOWED_QUERY, address = "203.0.113.10") {
  for (let i = 0; i < count; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, count - i) }, (_, j) =>
        gql((i + j) % 2 ? b.url : a.url, query, {}, secret, { "x-forwarded-for": address }),
      ),
    );
  }
}
function report(server: ServerProcess, token: string) {
  const body = JSON.stringify([{ token, type: "grantql_api_key", url: "https://example.test/leak" }]);
  const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
  return fetch(`http://127.0.0.1:${server.port}/leaks`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-leak-report-signature": signature },
    body,
  });
}
async function runningSubscriptions(server: ServerProcess): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
  return Number(/^grantql_subscriptions_active (\d+)/m.exec(text)?.[1] ?? 0);
}

/** Reads a stream into `seen` (as "KIND key-id") until `done` holds for what was read. */
async function readUntil(queue: SubscriptionQueue, seen: string[], done: (seen: string[]) => boolean): Promise<void> {
  while (!done(seen)) {
    const alert = (await queue.data(15_000)).securityAlerts;
    seen.push(`${alert.kind} ${alert.apiKey.id}`);
  }
}

it("two processes raise each alert kind exactly once and both push it to the workspace's SECURITY members", async () => {
  const admin = await signUp(a.url);
  const security = await createMember(a.url, admin.token, "SECURITY");
  const streams = [a, b].map((server) => {
    const client = wsClient(server.url.replace(/^http/, "ws"), security.token);
    clients.push(client);
    return new SubscriptionQueue(client, STREAM);
  });
  for (const server of [a, b])
    expect(
      await eventually(
        () => runningSubscriptions(server),
        (n) => n === 1,
        5000,
      ),
    ).toBe(1);
  // Every process's scan sees this key inside the 7-day window now, and expired 3 s from now.
  const expiring = await createKey(a.url, admin.token, undefined, { expiresAt: new Date(Date.now() + 3000).toISOString() });
  const busy = await createKey(a.url, admin.token);
  await requests(busy.secret, 1, ALLOWED_QUERY, "203.0.113.1");
  // The key's very first address raises nothing; wait until it is stored, so the next one is news.
  const lastFrom = () =>
    gql(a.url, `query($id: ID!) { apiKey(id: $id) { lastUsedFrom } }`, { id: busy.id }, admin.token).then(
      (r) => dataOf(r).apiKey.lastUsedFrom,
    );
  expect(await eventually(lastFrom, (from) => from === "203.0.113.1", 5000)).toBe("203.0.113.1");
  await requests(busy.secret, 101);
  await requests(busy.secret, 20, FORBIDDEN_QUERY);
  const leaked = await createKey(a.url, admin.token);
  const answers = await Promise.all([report(a, leaked.secret), report(b, leaked.secret)]);
  expect(answers.map((r) => r.status)).toEqual([200, 200]);

  const received: string[][] = [[], []];
  const hasAllKinds = (seen: string[]) => KINDS.every((kind) => seen.some((s) => s.startsWith(`${kind} `)));
  await Promise.all(streams.map((queue, i) => readUntil(queue, received[i], hasAllKinds)));
  // Then a sentinel, raised seconds later by a scan: every process has scanned and seen every event
  // again by then, so a duplicate of any alert above would arrive before the sentinel's KEY_EXPIRED.
  const sentinel = await createKey(a.url, admin.token, undefined, { expiresAt: new Date(Date.now() + 2000).toISOString() });
  await Promise.all(streams.map((queue, i) => readUntil(queue, received[i], (seen) => seen.includes(`KEY_EXPIRED ${sentinel.id}`))));
  const expected = [
    `KEY_EXPIRING ${expiring.id}`,
    `KEY_EXPIRED ${expiring.id}`,
    `KEY_LEAKED ${leaked.id}`,
    `USAGE_SPIKE ${busy.id}`,
    `NEW_CLIENT_ADDRESS ${busy.id}`,
    `FORBIDDEN_BURST ${busy.id}`,
    `KEY_EXPIRING ${sentinel.id}`,
    `KEY_EXPIRED ${sentinel.id}`,
  ].sort();
  for (const seen of received) expect([...seen].sort()).toEqual(expected);
  const stored = dataOf(await gql(b.url, `query { securityAlerts { nodes { kind apiKey { id } } } }`, {}, admin.token)).securityAlerts
    .nodes;
  expect(stored.map((n: any) => `${n.kind} ${n.apiKey.id}`).sort()).toEqual(expected);
}, 60_000);
