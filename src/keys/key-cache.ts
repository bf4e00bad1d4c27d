import type { Bus } from "../bus/event-bus";
import type { KeyTopics } from "./api-key.service";
import { LRUCache } from "lru-cache";
import type { VerifiableKey } from "../auth/verifier";

const UNKNOWN = Symbol("unknown key");
type Entry = VerifiableKey | typeof UNKNOWN;

/**
 * Verified keys by digest, for at most `ttlMs` (≤ 1 s), re-read in the background once half of that has passed. Changes made by this process evict the key
 * at once; changes made elsewhere (another instance, the CLI) are seen within `ttlMs` even with no
 * message, and at once where a message arrives (Redis). Concurrent misses share one look-up.
 * Unknown digests are remembered too, so guessing well-formed keys costs the database one query per
 * digest per `ttlMs`.
 */
export class KeyCache {
  private readonly cache: LRUCache<string, Entry> | null;
  /** Digests being read again in the background, with their key: the cache's own listing skips reads in flight. */
  private readonly refreshing = new Map<string, string>();
  /** Moves at every invalidation: a read that overlapped one is repeated, so it cannot store what it read before the change. */
  private epoch = 0;

  constructor(
    private readonly load: (digest: string) => Promise<VerifiableKey | null>,
    private readonly ttlMs: number,
    max = 50_000,
    /** The cache's own monotonic clock (performance.now); a test moves a fake one. */
    perf?: { now(): number },
  ) {
    this.cache =
      ttlMs > 0
        ? new LRUCache<string, Entry>({
            max,
            ttl: ttlMs,
            ttlAutopurge: false,
            // Read the clock at every look-up (~30 ns) rather than cache it for a millisecond: the cached
            // reading costs a timer per millisecond under load, armed from the request path.
            ttlResolution: 0,
            perf,
            fetchMethod: (digest, _stale, { signal }) => this.read(digest, signal),
          })
        : null;
  }

  async get(digest: string): Promise<VerifiableKey | null> {
    const hit = this.peek(digest);
    if (hit !== undefined) return hit;
    if (!this.cache) return this.load(digest);
    const entry = await this.cache.fetch(digest);
    return entry === UNKNOWN || entry === undefined ? null : entry;
  }

  /**
   * A fresh entry, without a promise: the key, null for a digest known to be no one's, undefined
   * when only `get` can tell (not cached, or no cache). Nearly every request is a hit.
   */
  peek(digest: string): VerifiableKey | null | undefined {
    const hit = this.cache?.get(digest);
    if (hit === undefined) return undefined;
    // Past half its life the entry is read again in the background (one read however many requests ask) while
    // requests keep using it, so a busy key never makes its requests wait for the database. It is never used past
    // `ttlMs`: a stale entry is a miss, and invalidating the key discards the read in flight.
    if (hit !== UNKNOWN && !this.refreshing.has(digest) && this.cache!.getRemainingTTL(digest) < this.ttlMs / 2) {
      this.refreshing.set(digest, hit.id);
      void this.cache!.fetch(digest, { forceRefresh: true })
        .catch(() => undefined)
        .finally(() => this.refreshing.delete(digest));
    }
    return hit === UNKNOWN ? null : hit;
  }

  /** Drops a key so that its next request reads the database. */
  /** Evicts every key the bus says changed, on this instance or another, until the returned function is called. */
  follow(bus: Pick<Bus<KeyTopics>, "on">): () => void {
    return bus.on("grantql.keys.changed", undefined, ({ keyId }) => this.invalidate(keyId));
  }

  invalidate(keyId: string): void {
    if (!this.cache) return;
    this.epoch += 1;
    for (const [digest, entry] of this.cache.entries()) {
      if (entry !== UNKNOWN && entry.id === keyId) this.cache.delete(digest);
    }
    for (const [digest, id] of this.refreshing) if (id === keyId) this.cache.delete(digest);
  }

  clear(): void {
    this.epoch += 1;
    this.cache?.clear();
  }

  /** The read behind a miss or a refresh; a deleted entry's read (`signal` aborted) is dropped by the cache, so it stops. */
  private async read(digest: string, signal: AbortSignal): Promise<Entry> {
    for (;;) {
      const epoch = this.epoch;
      const key = await this.load(digest);
      if (epoch === this.epoch || signal.aborted) return key ?? UNKNOWN;
    }
  }
}
