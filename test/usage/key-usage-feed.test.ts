import { EventBus } from "../../src/bus/event-bus";
import { KeyUsageFeed, UsageSnapshot, UsageUpdateRoot } from "../../src/usage/key-usage-feed";

// The feed's pacing and sharing, on its own: changes arrive through a real in-process bus, and
// the "counters" are a number the test moves, so each message shows which read it carries.
const GAP_MS = 300;
const WS = "workspace-1";
const KEY = "key-a";

function setUp() {
  const bus = new EventBus<{ changed: { apiKeyIds: string[] } }>(undefined);
  const state = { counter: 0, reads: 0, fail: false, subscriptions: 0 };
  const load = async (_ws: string, apiKeyId: string): Promise<UsageSnapshot> => {
    state.reads++;
    const seen = state.counter; // what the counters are when the read begins
    await new Promise((resolve) => setImmediate(resolve));
    if (state.fail) throw new Error("read failed");
    return { apiKey: { id: apiKeyId } as never, usage: { last24h: seen, last7d: seen, last30d: seen }, lastUsedAt: null };
  };
  const feed = new KeyUsageFeed(
    (workspaceId, listener) => {
      state.subscriptions++;
      const off = bus.on("changed", workspaceId, listener);
      return () => {
        state.subscriptions--;
        off();
      };
    },
    load,
    (onClose) => bus.queue("apiKeyUsage", onClose),
    GAP_MS,
  );
  /** The counters change and the change is published, as a committed flush does. */
  const change = (...ids: string[]) => {
    state.counter++;
    bus.publish("changed", { apiKeyIds: ids.length ? ids : [KEY] }, WS);
  };
  return { feed, state, change };
}

/** A subscription's messages as they arrive, with the time each arrived. */
function collect(iterator: AsyncIterator<UsageUpdateRoot>) {
  const received: { at: number; id: string; value?: number; error?: unknown }[] = [];
  const waiters: (() => void)[] = [];
  void (async () => {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      const at = performance.now();
      try {
        received.push({ at, id: next.value.apiKeyId, value: (await next.value.snapshot).usage.last24h });
      } catch (error) {
        received.push({ at, id: next.value.apiKeyId, error });
      }
      waiters.splice(0).forEach((wake) => wake());
    }
  })();
  const count = async (n: number, timeoutMs = 3000) => {
    const deadline = performance.now() + timeoutMs;
    while (received.length < n) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${received.length} of ${n} messages within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return received;
  };
  return { received, count };
}

it("a change reaches every subscriber of the key at once, from one read begun after it", async () => {
  const { feed, state, change } = setUp();
  const subs = Array.from({ length: 20 }, () => feed.subscribe(WS));
  const streams = subs.map((s) => collect(s));
  await new Promise((resolve) => setImmediate(resolve)); // every subscriber has joined
  change();
  const firsts = await Promise.all(streams.map(async (s) => (await s.count(1))[0]));
  expect(state.reads).toBe(1);
  for (const first of firsts) expect(first).toMatchObject({ id: KEY, value: 1 });
  await Promise.all(subs.map((s) => s.return()));
});

it("changes within the gap are merged into one update at its end, carrying the last of them", async () => {
  const { feed, state, change } = setUp();
  const sub = feed.subscribe(WS);
  const stream = collect(sub);
  await new Promise((resolve) => setImmediate(resolve));
  change(); // a quiet key: goes out at once
  await stream.count(1);
  change();
  change();
  change(); // three more within the gap
  const [first, second] = await stream.count(2);
  expect(second.at - first.at).toBeGreaterThanOrEqual(GAP_MS - 5);
  expect(second.value).toBe(4);
  expect(state.reads).toBe(2);
  await sub.return();
});

it("a named key gets its counters first; an update due within the gap of that message follows at the gap's end", async () => {
  const { feed, change } = setUp();
  const all = collect(feed.subscribe(WS));
  await new Promise((resolve) => setImmediate(resolve));
  change(); // counter 1, sent to the workspace subscriber at once
  await all.count(1);
  change(); // counter 2, due at the end of the key's gap
  const named = feed.subscribe(WS, KEY);
  const stream = collect(named);
  const [first] = await stream.count(1);
  expect(first.value).toBe(2); // read after the last change
  const [, update] = await stream.count(2);
  expect(update.at - first.at).toBeGreaterThanOrEqual(GAP_MS - 5);
  expect(update.value).toBe(2);
  await named.return();
});

it("a named subscriber that joined between updates falls in step with the key's shared updates", async () => {
  const { feed, change } = setUp();
  const all = collect(feed.subscribe(WS));
  await new Promise((resolve) => setImmediate(resolve));
  const busy = setInterval(change, 40); // the key changes all the time
  try {
    await all.count(1);
    await new Promise((resolve) => setTimeout(resolve, GAP_MS / 2)); // joins mid-gap, waits for nothing
    const named = collect(feed.subscribe(WS, KEY));
    const received = await named.count(4, 5000);
    // After the first message and the one owed a gap later, each update is the shared one: same
    // counters as the workspace subscriber's, at the same moment.
    for (const update of received.slice(2)) {
      const shared = all.received.find((m) => m.value === update.value);
      expect(shared).toBeDefined();
      expect(Math.abs(update.at - shared!.at)).toBeLessThan(20);
    }
  } finally {
    clearInterval(busy);
  }
});

it("a change while the named key's first read is under way is not lost", async () => {
  const { feed, change } = setUp();
  const named = feed.subscribe(WS, KEY);
  const stream = collect(named);
  change(); // published while the first read is in flight: the first message may not hold it
  const [first, second] = await stream.count(2);
  expect(first.value).toBeLessThanOrEqual(1);
  expect(second.value).toBe(1);
  expect(second.at - first.at).toBeGreaterThanOrEqual(GAP_MS - 5);
  await named.return();
});

it("a failed read fails that message only; the next change is delivered", async () => {
  const { feed, state, change } = setUp();
  const sub = feed.subscribe(WS);
  const stream = collect(sub);
  await new Promise((resolve) => setImmediate(resolve));
  state.fail = true;
  change();
  const [failed] = await stream.count(1);
  expect(String(failed.error)).toContain("read failed");
  state.fail = false;
  change();
  const [, next] = await stream.count(2);
  expect(next.value).toBe(2);
  await sub.return();
});

it("keys nobody asked for are never read, and the last subscriber to leave ends the workspace's subscription", async () => {
  const { feed, state, change } = setUp();
  const named = feed.subscribe(WS, KEY);
  const stream = collect(named);
  await stream.count(1);
  const reads = state.reads;
  change("key-b");
  change(KEY);
  await stream.count(2);
  expect(state.reads).toBe(reads + 1);
  expect(state.subscriptions).toBe(1);
  await named.return();
  expect(state.subscriptions).toBe(0);
});
