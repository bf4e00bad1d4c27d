import { LRUCache } from "lru-cache";
import { Clock } from "../common/clock";

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

/** Where counters live: this process, or Redis so that every instance sees the same failures. */
export interface FailureStore {
  get(key: string, now: number): Promise<Failures | undefined>;
  /** Counts one failure atomically and returns the counter after it. */
  add(key: string, limits: Limits, now: number): Promise<Failures>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

/** A counter that has neither a running lock nor a failure within the window counts as none. */
export function isStale(entry: Failures, now: number, windowMs: number): boolean {
  return entry.lockedUntil <= now && now - entry.lastAt > windowMs;
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

  constructor(private readonly windowMs: number, private readonly lockMs: number) {}

  async get(key: string, now: number): Promise<Failures | undefined> {
    const entry = this.entries.get(key);
    return entry && !isStale(entry, now, this.windowMs) ? entry : undefined;
  }

  async add(key: string, limits: Limits, now: number): Promise<Failures> {
    const next = afterFailure(this.entries.get(key), limits, now, this.windowMs, this.lockMs);
    this.entries.set(key, next);
    return next;
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async close(): Promise<void> {}
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

  constructor(private readonly options: SignInThrottleOptions, private readonly clock: Clock, private readonly store: FailureStore = new MemoryFailureStore(options.windowSeconds * 1000, options.lockSeconds * 1000)) {
    this.emailLimits = { slowdownAfter: options.slowdownAfter, lockAfter: options.lockAfter };
    this.addressLimits = { slowdownAfter: Math.max(options.slowdownAfter, Math.floor(options.ipLockAfter / 2)), lockAfter: options.ipLockAfter };
  }

  /** Whole seconds the caller must wait before this attempt may be checked; 0 when it may go ahead. */
  async retryAfter(email: string, address: string | undefined): Promise<number> {
    const now = this.clock.now().getTime();
    const waits = [this.waitOf(await this.store.get(`e:${email}`, now), this.emailLimits, now)];
    if (address) waits.push(this.waitOf(await this.store.get(`a:${address}`, now), this.addressLimits, now));
    return Math.ceil(Math.max(...waits) / 1000);
  }

  async failed(email: string, address: string | undefined): Promise<void> {
    const now = this.clock.now().getTime();
    await this.store.add(`e:${email}`, this.emailLimits, now);
    if (address) await this.store.add(`a:${address}`, this.addressLimits, now);
  }

  /** A correct password clears the e-mail's counter; the address keeps its own, or one valid account would reset it. */
  async succeeded(email: string): Promise<void> {
    await this.store.delete(`e:${email}`);
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private waitOf(entry: Failures | undefined, limits: Limits, now: number): number {
    if (!entry) return 0;
    if (entry.lockedUntil > now) return entry.lockedUntil - now;
    if (entry.count < limits.slowdownAfter) return 0;
    const delay = Math.min(2 ** (entry.count - limits.slowdownAfter), this.options.lockSeconds) * 1000;
    return Math.max(0, entry.lastAt + delay - now);
  }
}
