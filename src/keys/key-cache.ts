import { LRUCache } from "lru-cache";
import type { VerifiableKey } from "../auth/verifier";

const UNKNOWN = Symbol("unknown key");
type Entry = VerifiableKey | typeof UNKNOWN;

/**
 * Verified keys by digest, for at most `ttlMs` (≤ 1 s). Changes made by this process evict the key
 * at once; changes made elsewhere (another instance, the CLI) are seen within `ttlMs` even with no
 * message, and at once where a message arrives (Redis). Concurrent misses share one look-up.
 * Unknown digests are remembered too, so guessing well-formed keys costs the database one query per
 * digest per `ttlMs`.
 */
export class KeyCache {
  private readonly cache: LRUCache<string, Entry> | null;

  constructor(
    private readonly load: (digest: string) => Promise<VerifiableKey | null>,
    ttlMs: number,
    max = 50_000,
  ) {
    this.cache =
      ttlMs > 0
        ? new LRUCache<string, Entry>({
            max,
            ttl: ttlMs,
            ttlAutopurge: false,
            fetchMethod: async (digest) => (await this.load(digest)) ?? UNKNOWN,
          })
        : null;
  }

  async get(digest: string): Promise<VerifiableKey | null> {
    if (!this.cache) return this.load(digest);
    // A fresh entry without fetch's promise machinery: nearly every request is a hit.
    const entry = this.cache.get(digest) ?? (await this.cache.fetch(digest));
    return entry === UNKNOWN || entry === undefined ? null : entry;
  }

  /** Drops a key so that its next request reads the database. */
  invalidate(keyId: string): void {
    if (!this.cache) return;
    for (const [digest, entry] of this.cache.entries()) {
      if (entry !== UNKNOWN && entry.id === keyId) this.cache.delete(digest);
    }
  }

  clear(): void {
    this.cache?.clear();
  }
}
