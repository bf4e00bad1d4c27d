import { LRUCache } from "lru-cache";
import { Clock } from "../common/clock";
import { guessingAddress } from "./token-guess-throttle";

export interface SignInThrottleOptions {
  /** Failures per e-mail after which each further attempt must wait 1, 2, 4, … seconds. */
  slowdownAfter: number;
  /** Failures per e-mail that lock it for `lockSeconds`. */
  lockAfter: number;
  /** Failures per client address that lock the address; it slows down from half of that. */
  ipLockAfter: number;
  /** A counter is forgotten after this long without a failure. */
  windowSeconds: number;
  lockSeconds: number;
}

/** One counter: failures since the last lock, the last failure, and the lock's end (ms since epoch). */
export interface Failures {
  count: number;
  lastAt: number;
  lockedUntil: number;
}

export interface Limits {
  slowdownAfter: number;
  lockAfter: number;
}

/** One counter an attempt is counted on, with the limits that apply to it. */
export interface Slot {
  key: string;
  limits: Limits;
}

/** Where counters live: this process, or Redis so that every instance sees the same failures. */
export interface FailureStore {
  /**
   * In one atomic step: when any slot must still wait, the longest wait in ms, counting nothing;
   * otherwise counts one attempt on every slot (as a failure until it is released) and returns 0.
   */
  reserve(slots: readonly Slot[], now: number): Promise<number>;
  /** Gives one reserved attempt back (it turned out not to be a failure). */
  release(key: string): Promise<void>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

/** A counter that has neither a running lock nor a failure within the window counts as none. */
export function isStale(entry: Failures, now: number, windowMs: number): boolean {
  return entry.lockedUntil <= now && now - entry.lastAt > windowMs;
}

/** How long (ms) a counter makes the next attempt wait: the lock, or 1, 2, 4, … s after `slowdownAfter` failures. */
export function waitOf(entry: Failures | undefined, limits: Limits, now: number, lockMs: number): number {
  if (!entry) return 0;
  if (entry.lockedUntil > now) return entry.lockedUntil - now;
  if (entry.count < limits.slowdownAfter) return 0;
  const delay = Math.min(2 ** (entry.count - limits.slowdownAfter), lockMs / 1000) * 1000;
  return Math.max(0, entry.lastAt + delay - now);
}

/** The rule, shared by both stores: count, and lock (starting over) at `lockAfter`. */
export function afterFailure(entry: Failures | undefined, limits: Limits, now: number, windowMs: number, lockMs: number): Failures {
  const current = entry && !isStale(entry, now, windowMs) ? { ...entry } : { count: 0, lastAt: now, lockedUntil: 0 };
  current.count += 1;
  current.lastAt = now;
  if (current.count >= limits.lockAfter) {
    current.lockedUntil = now + lockMs;
    current.count = 0; // after the lock the guesser starts over from the slow-down
  }
  return current;
}

/** Per process; bounded, so a flood of made-up e-mails cannot grow memory without end. */
export class MemoryFailureStore implements FailureStore {
  private readonly entries = new LRUCache<string, Failures>({ max: 100_000 });

  constructor(
    private readonly windowMs: number,
    private readonly lockMs: number,
  ) {}

  // No await between the check and the count: in one process this is atomic.
  async reserve(slots: readonly Slot[], now: number): Promise<number> {
    const current = slots.map((slot) => this.current(slot.key, now));
    const wait = Math.max(0, ...slots.map((slot, i) => waitOf(current[i], slot.limits, now, this.lockMs)));
    if (wait > 0) return wait;
    slots.forEach((slot, i) => this.entries.set(slot.key, afterFailure(current[i], slot.limits, now, this.windowMs, this.lockMs)));
    return 0;
  }

  async release(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (entry && entry.count > 0) this.entries.set(key, { ...entry, count: entry.count - 1 });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async close(): Promise<void> {}

  private current(key: string, now: number): Failures | undefined {
    const entry = this.entries.get(key);
    return entry && !isStale(entry, now, this.windowMs) ? entry : undefined;
  }
}

/**
 * The address counter an attempt is counted on: as token guessing counts it, an IPv6 address by its
 * /64 (a guesser can pick any address of its network) and an IPv4-mapped one as IPv4.
 */
function addressKey(address: string): string {
  return `a:${guessingAddress(address)}`;
}

/**
 * Slows and then locks sign-in guessing, per e-mail and per client address. Counting is by the
 * e-mail string as typed (normalised), whether or not a member has it, so the answer never tells
 * an unknown address from a known one. A locked e-mail is refused even with the right password:
 * otherwise the lock would not stop a guesser who is about to succeed.
 */
export class SignInThrottle {
  private readonly emailLimits: Limits;
  private readonly addressLimits: Limits;

  constructor(
    options: SignInThrottleOptions,
    private readonly clock: Clock,
    private readonly store: FailureStore = new MemoryFailureStore(options.windowSeconds * 1000, options.lockSeconds * 1000),
  ) {
    this.emailLimits = { slowdownAfter: options.slowdownAfter, lockAfter: options.lockAfter };
    this.addressLimits = {
      slowdownAfter: Math.max(options.slowdownAfter, Math.floor(options.ipLockAfter / 2)),
      lockAfter: options.ipLockAfter,
    };
  }

  /**
   * Reserves one attempt before the password is checked: refused (the whole seconds to wait) when
   * the e-mail or the address must wait, else counted as a failure at once, in one atomic step, so
   * that simultaneous attempts cannot all pass the check before any of them is counted. 0: go ahead.
   */
  async reserve(email: string, address: string | undefined): Promise<number> {
    const slots: Slot[] = [{ key: `e:${email}`, limits: this.emailLimits }];
    if (address) slots.push({ key: addressKey(address), limits: this.addressLimits });
    return Math.ceil((await this.store.reserve(slots, this.clock.nowMs())) / 1000);
  }

  /**
   * A correct password clears the e-mail's counter and gives the address its reserved attempt
   * back; the address keeps its earlier failures, or one valid account would reset them.
   */
  async succeeded(email: string, address: string | undefined): Promise<void> {
    await this.store.delete(`e:${email}`);
    if (address) await this.store.release(addressKey(address));
  }

  /**
   * A sign-up or a member's creation, each of which tells whether an e-mail is registered: counted
   * once toward the address's limit (never released), or refused with the whole seconds to wait
   * while the address must wait.
   */
  async countEmailProbe(address: string | undefined): Promise<number> {
    if (!address) return 0;
    return Math.ceil((await this.store.reserve([{ key: addressKey(address), limits: this.addressLimits }], this.clock.nowMs())) / 1000);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
