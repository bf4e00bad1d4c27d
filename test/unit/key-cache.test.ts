import type { VerifiableKey } from "../../src/auth/verifier";
import { KeyCache } from "../../src/keys/key-cache";

const TTL = 1000;

function key(name: string): VerifiableKey {
  return {
    id: "k1",
    workspaceId: "w1",
    prefix: name,
    grants: 0,
    expiresAt: null,
    revokedAt: null,
    rateLimit: null,
    allowlist: null,
    spend: null,
  };
}

/** A loader whose reads stay pending until the test answers them, one by one. */
function manualLoader() {
  const pending: ((value: VerifiableKey | null) => void)[] = [];
  const load = jest.fn(() => new Promise<VerifiableKey | null>((resolve) => pending.push(resolve)));
  return { load, answer: (value: VerifiableKey | null) => pending.shift()!(value) };
}

/** Whether a promise has settled after the microtasks queued now have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return done;
}

/** A cache on a manual loader, with the key already read once (at the fake clock's now). */
async function cacheHolding(name: string) {
  const loader = manualLoader();
  const cache = new KeyCache(loader.load, TTL, 100, { now: () => Date.now() });
  const first = cache.get("d");
  loader.answer(key(name));
  expect((await first)?.prefix).toBe(name);
  return { ...loader, cache };
}

beforeEach(() => jest.useFakeTimers({ now: new Date("2026-11-30T12:00:00Z") }));
afterEach(() => jest.useRealTimers());

describe("the verified-key cache", () => {
  it("past half its TTL answers at once from the entry and reads the key again in the background, once", async () => {
    const { load, answer, cache } = await cacheHolding("v1");
    jest.advanceTimersByTime(TTL * 0.6);
    const during = [cache.get("d"), cache.get("d"), cache.get("d")];
    for (const request of during) expect(await settled(request)).toBe(true);
    expect((await Promise.all(during)).map((k) => k?.prefix)).toEqual(["v1", "v1", "v1"]);
    expect(load).toHaveBeenCalledTimes(2);
    answer(key("v2"));
    await settled(Promise.resolve());
    expect((await cache.get("d"))?.prefix).toBe("v2");
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("never answers from an entry past its TTL: a request then waits for the database", async () => {
    const { answer, cache } = await cacheHolding("v1");
    jest.advanceTimersByTime(TTL + 1);
    const late = cache.get("d");
    expect(await settled(late)).toBe(false);
    answer({ ...key("v1"), revokedAt: Date.now() });
    expect((await late)?.revokedAt).not.toBeNull();
  });

  it("a key invalidated while its background read is in flight is not put back by that read", async () => {
    const { load, answer, cache } = await cacheHolding("v1");
    jest.advanceTimersByTime(TTL * 0.6);
    expect((await cache.get("d"))?.prefix).toBe("v1"); // starts the background read
    cache.invalidate("k1");
    answer(key("stale")); // the read that began before the change
    const after = cache.get("d");
    expect(await settled(after)).toBe(false);
    expect(load).toHaveBeenCalledTimes(3);
    answer({ ...key("v1"), revokedAt: Date.now() });
    expect((await after)?.revokedAt).not.toBeNull();
  });

  it("a first read that overlapped an invalidation is read again, so what it caches is from after the change", async () => {
    const { load, answer } = manualLoader();
    const cache = new KeyCache(load, TTL, 100, { now: () => Date.now() });
    const request = cache.get("d");
    cache.invalidate("k1");
    answer(key("before the change"));
    expect(await settled(request)).toBe(false);
    expect(load).toHaveBeenCalledTimes(2);
    answer({ ...key("after"), revokedAt: Date.now() });
    expect((await request)?.prefix).toBe("after");
  });
});
