import ipaddr from "ipaddr.js";
import { LRUCache } from "lru-cache";
import type { Clock } from "../common/clock";

export interface TokenGuessOptions {
  /** Unknown tokens from one address within `windowSeconds` that lock it (TOKEN_GUESS_LIMIT). */
  limit: number;
  /** The sliding window the unknown tokens are counted in (TOKEN_GUESS_WINDOW). */
  windowSeconds: number;
  /** How long the address stays locked (TOKEN_GUESS_LOCK). */
  lockSeconds: number;
}

/** A token this instance verified as valid within this long still works from a locked address. */
export const RECENTLY_VERIFIED_MS = 10 * 60_000;

/** Where the counts live: this process, or Redis so that every instance sees the same guesses. */
export interface GuessStore {
  /** Milliseconds left of the address's lock; 0 when it is not locked. */
  lockedFor(address: string, now: number): Promise<number>;
  /**
   * Counts one unknown token atomically, locking the address when it reaches the limit. Returns
   * the milliseconds left of a lock that was already running (then nothing is counted), else 0.
   */
  miss(address: string, now: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Who a guess is counted against: an IPv4 address as it is, an IPv6 address by its /64 (one
 * subscriber's network, where a guesser can pick any address), an IPv4-mapped IPv6 address as IPv4.
 */
export function guessingAddress(raw: string): string {
  try {
    const address = ipaddr.process(raw);
    if (address.kind() === "ipv4") return address.toString();
    const network = ipaddr.IPv6.networkAddressFromCIDR(`${(address as ipaddr.IPv6).toNormalizedString()}/64`);
    return `${network.toString()}/64`;
  } catch {
    return raw.slice(0, 100); // not an IP address (a Unix socket, say): counted as given
  }
}

/** Per process; bounded in the timestamps it keeps, so a spray of addresses cannot grow memory without end. */
export class MemoryGuessStore implements GuessStore {
  // At most `limit` (≤ 100,000) timestamps per address, so one address always fits.
  private readonly misses = new LRUCache<string, number[]>({ maxSize: 1_000_000, sizeCalculation: (times) => times.length + 1 });
  private readonly locks = new LRUCache<string, number>({ max: 100_000 });

  constructor(private readonly options: TokenGuessOptions) {}

  async lockedFor(address: string, now: number): Promise<number> {
    return Math.max(0, (this.locks.get(address) ?? 0) - now);
  }

  // No await between reading and writing: in one process this is atomic.
  async miss(address: string, now: number): Promise<number> {
    const locked = await this.lockedFor(address, now);
    if (locked > 0) return locked;
    const windowMs = this.options.windowSeconds * 1000;
    // Stryker disable next-line ArrayDeclaration: anything but a time is dropped by the filter
    const times = (this.misses.get(address) ?? []).filter((at) => now - at < windowMs);
    times.push(now);
    if (times.length >= this.options.limit) {
      this.misses.delete(address);
      this.locks.set(address, now + this.options.lockSeconds * 1000);
    } else {
      this.misses.set(address, times);
    }
    return 0;
  }

  async close(): Promise<void> {}
}

/**
 * Throttles token guessing per client address (docs/API.md, "Limits"): once an address has presented
 * `limit` unknown tokens (API keys or session tokens no one holds) within a sliding window it is
 * locked, and while it is, any token this instance has not verified as valid in the last
 * 10 minutes is refused before it costs a look-up. Tokens verified before keep working, so a
 * guesser behind the same address as a real client does not lock that client out.
 */
export class TokenGuessThrottle {
  /** Digest → when this instance last verified it as valid; bounded. */
  private readonly verified = new LRUCache<string, number>({ max: 100_000 });

  constructor(
    private readonly clock: Clock,
    private readonly store: GuessStore,
  ) {}

  /**
   * Whole seconds the token must wait before it may be looked up; 0 when it may go ahead. A token
   * this instance verified lately (nearly every request) gets its 0 at once, not as a promise.
   */
  admit(digest: string, clientAddress: string | undefined): number | Promise<number> {
    if (!clientAddress || this.recentlyVerified(digest)) return 0;
    return this.store.lockedFor(guessingAddress(clientAddress), this.clock.nowMs()).then((ms) => Math.ceil(ms / 1000));
  }

  /** A valid token: it keeps working from a locked address for the next 10 minutes. */
  valid(digest: string): void {
    const now = this.clock.nowMs();
    // Once a second is exact enough for a 10-minute memory, and spares the cache a write per request.
    if (now - (this.verified.get(digest) ?? Number.NEGATIVE_INFINITY) >= 1000) this.verified.set(digest, now);
  }

  /**
   * An unknown token: counted against the address. Returns the whole seconds left when the address
   * was already locked (the look-up raced the lock), else 0.
   */
  async unknown(clientAddress: string | undefined): Promise<number> {
    if (!clientAddress) return 0;
    return Math.ceil((await this.store.miss(guessingAddress(clientAddress), this.clock.nowMs())) / 1000);
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private recentlyVerified(digest: string): boolean {
    const at = this.verified.get(digest);
    // Stryker disable next-line ConditionalExpression: now - undefined is NaN, never below the bound; the check is for the type
    return at !== undefined && this.clock.nowMs() - at < RECENTLY_VERIFIED_MS;
  }
}
