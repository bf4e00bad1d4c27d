import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import WebSocket from "ws";
import { SUBSCRIBER_QUEUE_LIMIT } from "../../src/bus/subscriber-queue";
import { eventually } from "../support/eventually";
import { createKey, signUp } from "../support/factories";
import { startTestServer, TestServer, whenRunning } from "../support/server";

// V8 heap used after a forced collection is what "the server's memory stays bounded" is read as.
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;
const heapUsed = () => {
  collectGarbage();
  return process.memoryUsage().heapUsed;
};

const EVENTS = 200_000;
const BATCH = 2_000;
/** One in this many events is made with the key the fast subscriber watches (it gets those, the slow one gets all). */
const EVERY = 100;
const QUERY = "subscription Watch($apiKeyId: ID) { usageEvents(apiKeyId: $apiKeyId) { id operationName } }";
// Payloads of about 1 KB: the kernel's socket buffers hold a few thousand of them, not the flow.
const OPERATION = "Watch".padEnd(900, "x");

/** A subscriber on its own socket that counts what arrives (ids and `extensions.dropped`) without keeping the payloads. */
class Counting {
  ids: number[] = [];
  dropped: number[] = [];
  private constructor(readonly socket: WebSocket) {}

  static open(url: string, token: string, apiKeyId?: string): Promise<Counting> {
    const socket = new WebSocket(url, "graphql-transport-ws");
    const counting = new Counting(socket);
    return new Promise((resolve, reject) => {
      socket.once("error", reject);
      socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } })));
      socket.on("message", (raw) => {
        const message = JSON.parse(String(raw));
        if (message.type === "connection_ack") {
          socket.send(JSON.stringify({ type: "subscribe", id: "1", payload: { query: QUERY, variables: { apiKeyId } } }));
          resolve(counting);
        } else if (message.type === "next") {
          counting.ids.push(Number(message.payload.data.usageEvents.id));
          if (message.payload.extensions?.dropped) counting.dropped.push(message.payload.extensions.dropped);
        }
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.once("close", () => resolve());
      this.socket.close(1000);
    });
  }
}

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ env: { REDIS_URL: "" } });
});

afterAll(async () => {
  await server.stop();
});

it("a subscriber that stops reading keeps at most 10,000 payloads, is told what it lost, and costs the others nothing", async () => {
  const a = await signUp(server.url, "Watched");
  const b = await signUp(server.url, "Other");
  const key = await createKey(server.url, a.token);
  const watched = await createKey(server.url, a.token);
  const otherKey = await createKey(server.url, b.token);
  const open = (token: string, apiKeyId?: string) => whenRunning(server, () => Counting.open(server.wsUrl, token, apiKeyId));
  const slow = await open(a.token);
  const fast = await open(a.token, watched.id);
  const other = await open(b.token);
  // Reads nothing more from its socket: the kernel's buffers fill, then the server's queue.
  slow.socket.pause();

  const event = (id: number, workspaceId: string, apiKeyId: string) => ({
    id: String(id),
    workspaceId,
    apiKeyId,
    occurredAt: new Date(),
    operationType: "query",
    operationName: OPERATION,
    resources: ["CALLS" as never],
    outcome: "ALLOWED" as never,
    durationMs: 3,
  });
  const before = heapUsed();
  let deepest = 0;
  for (let start = 0; start < EVENTS; start += BATCH) {
    const events = Array.from({ length: BATCH }, (_, i) => event(start + i, a.workspaceId, (start + i) % EVERY ? key.id : watched.id));
    server.services.bus.publish("grantql.usage.events", { events }, a.workspaceId);
    server.services.bus.publish("grantql.usage.events", { events: [event(start, b.workspaceId, otherKey.id)] }, b.workspaceId);
    deepest = Math.max(deepest, server.services.bus.queued().deepest);
    // A turn of the event loop between flushes, as between the usage writer's, for the sockets to be written.
    await new Promise((resolve) => setImmediate(resolve));
  }
  // The others get all theirs while the slow one reads nothing. (The flow is published within a
  // few seconds: a client that reads nothing answers no ping either, and graphql-ws ends it 12–24 s on.)
  await eventually(
    async () => fast.ids.length + other.ids.length,
    (n) => n === EVENTS / EVERY + EVENTS / BATCH,
    60_000,
  );
  const after = heapUsed();
  const waiting = server.services.bus.queued();

  // Everyone else got everything of their own, in order, with nothing dropped.
  expect(fast.ids).toEqual(Array.from({ length: EVENTS / EVERY }, (_, i) => i * EVERY));
  expect(fast.dropped).toEqual([]);
  expect(other.ids).toEqual(Array.from({ length: EVENTS / BATCH }, (_, i) => i * BATCH));
  // The slow one's queue filled to its bound and no further; memory grew by what that bound holds, not by the flow.
  expect(Math.max(deepest, waiting.deepest)).toBe(SUBSCRIBER_QUEUE_LIMIT);
  expect(waiting.payloads).toBe(SUBSCRIBER_QUEUE_LIMIT);
  expect(after - before).toBeLessThan(16 * 1024 * 1024);

  // Once it reads again it gets the newest payloads, the first of them saying how many it lost.
  slow.socket.resume();
  await eventually(
    async () => slow.ids.at(-1),
    (last) => last === EVENTS - 1,
    60_000,
  );
  expect(slow.ids.at(-1)).toBe(EVENTS - 1);
  const lost = slow.dropped.reduce((sum, n) => sum + n, 0);
  expect(lost).toBeGreaterThan(0);
  expect(slow.ids.length + lost).toBe(EVENTS);
  expect(slow.ids.every((id, i) => i === 0 || id > slow.ids[i - 1])).toBe(true);
  expect(slow.ids.slice(-SUBSCRIBER_QUEUE_LIMIT)).toEqual(
    Array.from({ length: SUBSCRIBER_QUEUE_LIMIT }, (_, i) => EVENTS - SUBSCRIBER_QUEUE_LIMIT + i),
  );
  const scrape = (await server.app.metrics.scrape()).body;
  expect(scrape).toContain(`grantql_subscription_messages_dropped_total{field="usageEvents"} ${lost}`);
  await Promise.all([slow.close(), fast.close(), other.close()]);
}, 180_000);
