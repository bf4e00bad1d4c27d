import { randomUUID } from "node:crypto";
import type Redis from "ioredis";
import type { RedisConnections } from "../bus/redis-connections";

/**
 * Credits leased from PostgreSQL and not yet spent, shared by every instance through Redis: one
 * pool per balance and generation (a balance set anew starts a new pool, and the old one is never
 * drawn on again). `take` answers what the pool held after taking one, or EMPTY, or LEASING when
 * it is empty while some instance is between taking a lease from PostgreSQL and adding it here,
 * so that nobody refuses a request for credits about to arrive.
 */
export const EMPTY = -1;
export const LEASING = -2;

const TAKE_SCRIPT = `
local held = tonumber(redis.call('GET', KEYS[1]) or '0')
if held > 0 then return redis.call('DECR', KEYS[1]) end
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then return -2 end
return -1`;

/** A lease is announced before PostgreSQL is asked; the mark expires should its instance die in between. */
const BEGIN_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], 5000)
return n`;

/** The lease arrives: its credits join the pool (less one, taken for the request that leased), the mark goes. */
const END_SCRIPT = `
local leased = tonumber(ARGV[1])
local keep = leased
if leased > 0 and ARGV[2] == '1' then keep = leased - 1 end
local held = redis.call('INCRBY', KEYS[1], keep)
redis.call('PEXPIRE', KEYS[1], 2592000000)
local pending = redis.call('DECR', KEYS[2])
if pending <= 0 then redis.call('DEL', KEYS[2]) end
return held`;

interface PoolCommands {
  grantqlCreditTake(pool: string, pending: string): Promise<number>;
  grantqlCreditBegin(pending: string): Promise<number>;
  grantqlCreditEnd(pool: string, pending: string, leased: number, takeOne: "0" | "1"): Promise<number>;
}

/** How long what a process said it holds counts, unless it says so again (it says every 250 ms; a crashed one stops). */
const REPORT_TTL_MS = 2000;

export class CreditPool {
  private readonly redis: Redis & PoolCommands;
  /** This process, among those saying what they hold of a balance outside the pool. */
  private readonly process = randomUUID();

  constructor(readonly connections: RedisConnections) {
    this.redis = connections.commands as Redis & PoolCommands;
    this.redis.defineCommand("grantqlCreditTake", { numberOfKeys: 2, lua: TAKE_SCRIPT });
    this.redis.defineCommand("grantqlCreditBegin", { numberOfKeys: 1, lua: BEGIN_SCRIPT });
    this.redis.defineCommand("grantqlCreditEnd", { numberOfKeys: 2, lua: END_SCRIPT });
  }

  private pool(spendId: string, generation: number): string {
    return `grantql:credits:${spendId}:${generation}`;
  }

  /** What each process holds of a generation outside the pool (`CreditLedger`'s ample balances): field per process, "held:until". */
  private outside(spendId: string, generation: number): string {
    return `grantql:credits-outside:${spendId}:${generation}`;
  }

  private pending(spendId: string, generation: number): string {
    return `grantql:credits-leasing:${spendId}:${generation}`;
  }

  async take(spendId: string, generation: number): Promise<number> {
    return Number(await this.redis.grantqlCreditTake(this.pool(spendId, generation), this.pending(spendId, generation)));
  }

  async beginLease(spendId: string, generation: number): Promise<void> {
    await this.redis.grantqlCreditBegin(this.pending(spendId, generation));
  }

  /** Adds a lease to the pool, taking one of it when `takeOne`; answers what the pool then holds. */
  async endLease(spendId: string, generation: number, leased: number, takeOne: boolean): Promise<number> {
    return Number(
      await this.redis.grantqlCreditEnd(this.pool(spendId, generation), this.pending(spendId, generation), leased, takeOne ? "1" : "0"),
    );
  }

  /** A credit given back (an answer that was 503). */
  async giveBack(spendId: string, generation: number): Promise<void> {
    await this.redis.incr(this.pool(spendId, generation));
  }

  /** Says what this process holds of these balances outside the pool (0: nothing any more), in one round trip. */
  async report(holdings: readonly { spendId: string; generation: number; held: number }[]): Promise<void> {
    const until = Date.now() + REPORT_TTL_MS;
    const batch = this.redis.pipeline();
    for (const { spendId, generation, held } of holdings) {
      const key = this.outside(spendId, generation);
      if (held > 0) batch.hset(key, this.process, `${held}:${until}`).pexpire(key, REPORT_TTL_MS);
      else batch.hdel(key, this.process);
    }
    await batch.exec();
  }

  /**
   * What the pools of these balances hold, with what other processes said they hold outside them
   * (this process's own holdings are the caller's to add), in one round trip.
   */
  async held(pools: readonly { spendId: string; generation: number }[]): Promise<number[]> {
    if (pools.length === 0) return [];
    const batch = this.redis.pipeline();
    for (const p of pools) batch.get(this.pool(p.spendId, p.generation)).hgetall(this.outside(p.spendId, p.generation));
    const replies = (await batch.exec()) ?? [];
    const now = Date.now();
    return pools.map((_, i) => {
      const [poolError, inPool] = replies[2 * i] ?? [];
      const [outsideError, outside] = replies[2 * i + 1] ?? [];
      if (poolError || outsideError) throw poolError ?? outsideError;
      let held = Number(inPool ?? 0);
      for (const [process, said] of Object.entries((outside ?? {}) as Record<string, string>)) {
        const [count, until] = said.split(":").map(Number);
        if (process !== this.process && until > now) held += count;
      }
      return held;
    });
  }

  /** The pool of a generation that has ended (its balance was set anew): what it held is gone. */
  async drop(spendId: string, generation: number): Promise<void> {
    await this.redis.del(this.pool(spendId, generation));
  }
}
