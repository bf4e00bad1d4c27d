import { setTimeout as delay } from "node:timers/promises";
import { LRUCache } from "lru-cache";
import type { DataSource } from "typeorm";
import type { KeySpend } from "../auth/principal";
import type { Bus } from "../bus/event-bus";
import type { Clock } from "../common/clock";
import { runPrepared, statementName } from "../db/prepared-query";
import { CreditPool, EMPTY, LEASING } from "../throttles/credit-pool";
import type { KeyTopics } from "./api-key.service";
import { dueRefill, nextRefillBoundary } from "./key-spend-rules";

/** At most this many credits leave PostgreSQL for the shared pool at once: what a lost Redis can lose per instance. */
export const LEASE_SIZE = 100;

/**
 * A lease runs low at this many credits: the next block is leased in the background (what takes it
 * up to LEASE_SIZE again, never more), so requests do not wait on PostgreSQL at every LEASE_SIZE-th
 * one. Low, so each lease (one committed UPDATE) serves many requests: 20 credits still last ~4 ms
 * at 5,000 requests a second, against ~1 ms for the lease.
 */
export const LEASE_LOW = LEASE_SIZE / 5;

/**
 * With Redis, a balance that still held this many after a lease is ample: each instance leases
 * straight from PostgreSQL into its own process (as without Redis) instead of the shared pool, so
 * a request pays no Redis round trip; what each holds is said to Redis every REPORT_MS for exact
 * reads. Below it every credit goes through the pool again, so the last ones are shared exactly.
 */
export const AMPLE_CREDITS = 100 * LEASE_SIZE;

/** How often an instance says in Redis what it holds of ample balances (part of `remaining` as read). */
const REPORT_MS = 250;

/** How a credit was taken, so that an answer that was 503 can give it back where it came from. */
export type CreditTaken = { readonly ok: true; readonly from: "pool" | "here"; readonly generation: number };
export type CreditTake = CreditTaken | { ok: false; retryAfterSeconds: number | null };

type Credits = NonNullable<KeySpend["credits"]>;

/**
 * A lease: what it took from the balance, what the balance holds after it, and its generation as
 * PostgreSQL holds it. Prepared once per connection: a busy key runs it every LEASE_LOW requests.
 */
const LEASE = {
  name: statementName("credit_lease"),
  sql: `
UPDATE api_key_spend s
SET credits_remaining = s.credits_remaining - CASE WHEN s.credits_generation = $2 THEN LEAST(s.credits_remaining, $3) ELSE 0 END
FROM (SELECT id, credits_remaining AS before FROM api_key_spend WHERE id = $1 FOR UPDATE) o
WHERE s.id = o.id AND s.credits_remaining IS NOT NULL
RETURNING (o.before - s.credits_remaining)::int AS leased, s.credits_generation AS generation, s.credits_remaining::float8 AS remaining`,
};

/** Credits a process leased and did not spend, handed back (only to the generation they came from). */
const HAND_BACK_SQL = `
UPDATE api_key_spend SET credits_remaining = LEAST(credits_remaining + $2, 1000000000)
WHERE id = $1 AND credits_generation = $3`;

/** A lease held by this process unused this long is handed back, so `remaining` as read is exact within a second. */
const HAND_BACK_AFTER_MS = 1000;

/** A refill sets the balance; a new generation, so no pool of the old period is drawn on again. */
const REFILL_SQL = `
UPDATE api_key_spend
SET credits_remaining = credits_refill_amount, credits_last_refill_at = $2, credits_generation = credits_generation + 1
WHERE id = $1 AND credits_refill_amount IS NOT NULL AND credits_set_at < $2
  AND (credits_last_refill_at IS NULL OR credits_last_refill_at < $2)
RETURNING credits_generation AS generation, ARRAY(SELECT k.id::text FROM api_key k WHERE k.spend_id = $1) AS keys`;

const CURRENT_SQL = `SELECT credits_generation AS generation, credits_last_refill_at AS "lastRefillAt" FROM api_key_spend WHERE id = $1`;

/** A Redis command failed: the ledger falls back to PostgreSQL alone. */
class RedisAway extends Error {}
const viaRedis = <T>(work: Promise<T>): Promise<T> =>
  work.catch((error: Error) => {
    throw new RedisAway(error.message);
  });

/**
 * Credits, exact on every instance and durable. Every credit is leased from PostgreSQL before it
 * is spent, in blocks of at most LEASE_SIZE, so a spent credit is always gone from the database
 * and a lost lease loses at most what it held. With Redis the leases go into a pool every
 * instance draws on; without Redis, or while it is away, into this process, which hands back
 * what it has not used after a second (and when it stops). A refill due since the last one
 * happens here, at the key's next use.
 */
export class CreditLedger {
  /** Per balance, the newest generation and refill this process has seen (a cached key may be up to 1 s older). */
  private readonly known = new LRUCache<string, { generation: number; lastRefillAt: number | null }>({ max: 100_000 });
  /** One lease per balance and generation at a time from this process; other requests wait for it and try the pool again. */
  private readonly leasing = new Map<string, Promise<{ leased: number; generation: number }>>();
  /** Credits leased into this process (without Redis, or while it is away), per balance. */
  private readonly here = new Map<string, { generation: number; held: number; usedAt: number; taken: CreditTaken }>();
  /** With Redis: the balances whose last lease left AMPLE_CREDITS or more (leased into this process, see AMPLE_CREDITS). */
  private readonly ample = new Set<string>();
  private handBackTimer?: NodeJS.Timeout;
  private reportTimer?: NodeJS.Timeout;

  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly pool: CreditPool | undefined,
    private readonly bus: Pick<Bus<KeyTopics>, "publish">,
  ) {}

  /**
   * One credit at once, without a statement, a round trip or a promise, when this process holds one
   * of the current generation and no refill is due (nearly every request of a key with credits);
   * null when `take` must answer.
   */
  takeNow(spendId: string, credits: Credits): CreditTaken | null {
    let generation: number;
    if (credits.refill) {
      const refill = this.refillDue(spendId, credits);
      if (refill.due !== null) return null;
      generation = refill.generation;
    } else generation = newestGeneration(credits, this.known.get(spendId));
    if (this.pool && !this.drawnHere(spendId, generation)) return null;
    return this.fromHere(spendId, generation);
  }

  /** Takes one credit for a request about to run, or says when there will be more. */
  async take(spendId: string, credits: Credits): Promise<CreditTake> {
    // Nearly always no refill is due: the generation is known without a statement.
    const generation = await this.refillIfDue(spendId, credits);
    let taken: CreditTake | null = null;
    // An ample balance (or what this process still holds of one) is drawn on here, without Redis.
    if (this.pool && this.drawnHere(spendId, generation)) {
      const here = await this.takeHere(spendId, generation);
      if (here.ok) return here;
    }
    if (this.pool) {
      try {
        taken = await this.takeFromPool(spendId, generation);
      } catch (error) {
        if (!(error instanceof RedisAway)) throw error;
        this.pool.connections.failed(error, "credits");
      }
    }
    taken ??= await this.takeHere(spendId, generation);
    if (taken.ok || !credits.refill) return taken;
    const now = this.clock.nowMs();
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((nextRefillBoundary(credits.refill, now) - now) / 1000)) };
  }

  /** An answer that was 503: its credit goes back where it came from. */
  async giveBack(spendId: string, taken: CreditTaken): Promise<void> {
    if (taken.from === "pool") {
      try {
        await viaRedis(this.pool!.giveBack(spendId, taken.generation));
        return;
      } catch {
        // Redis went away meanwhile: the credit goes back to the durable balance instead.
      }
    } else {
      const slot = this.here.get(spendId);
      if (slot?.generation === taken.generation) {
        slot.held += 1;
        return;
      }
    }
    await this.db.query(HAND_BACK_SQL, [spendId, 1, taken.generation]);
  }

  /** With Redis: whether a balance is drawn on from this process's lease (ample, or a lease of it still held) rather than the pool. */
  private drawnHere(spendId: string, generation: number): boolean {
    return this.ample.has(spendId) || this.heldHere(spendId, generation) > 0;
  }

  /** What this process holds of a balance's current generation (part of `remaining` as read). */
  heldHere(spendId: string, generation: number): number {
    const slot = this.here.get(spendId);
    return slot?.generation === generation ? slot.held : 0;
  }

  /** Hands back what this process holds of a balance (before `adjustCredits` reads it), or of every idle one. */
  async handBack(spendId?: string, idleBefore = Number.POSITIVE_INFINITY): Promise<void> {
    for (const [id, slot] of this.here) {
      if ((spendId !== undefined && id !== spendId) || slot.usedAt >= idleBefore) continue;
      this.here.delete(id);
      if (slot.held > 0) await this.db.query(HAND_BACK_SQL, [id, slot.held, slot.generation]);
      await this.pool?.report([{ spendId: id, generation: slot.generation, held: 0 }]).catch(() => undefined);
    }
  }

  /** With Redis: says what this process holds of each balance, so that every instance reads `remaining` exactly. */
  private async report(): Promise<void> {
    const slots = [...this.here].map(([spendId, slot]) => ({ spendId, generation: slot.generation, held: slot.held }));
    if (this.pool && slots.length > 0) await this.pool.report(slots);
  }

  /** At shutdown: every lease this process holds goes back, so only a crash loses credits. */
  async close(): Promise<void> {
    await this.leasesDone();
    clearInterval(this.handBackTimer);
    clearInterval(this.reportTimer);
    await this.handBack();
  }

  /** Once every lease this process has in flight (a background top-up too) has landed. */
  async leasesDone(): Promise<void> {
    await Promise.allSettled([...this.leasing.values()]);
  }

  /** The generation to draw on: a due refill happens first (once, whichever instance gets there). */
  async refillIfDue(spendId: string, credits: Credits): Promise<number> {
    const { generation, due } = this.refillDue(spendId, credits);
    if (due === null) return generation;
    const refilled = firstRow(await this.db.query(REFILL_SQL, [spendId, new Date(due)])) as
      | { generation: number; keys: string[] }
      | undefined;
    if (refilled) {
      this.known.set(spendId, { generation: refilled.generation, lastRefillAt: due });
      await this.pool?.drop(spendId, refilled.generation - 1).catch(() => undefined);
      for (const keyId of refilled.keys) this.bus.publish("grantql.keys.changed", { keyId });
      return refilled.generation;
    }
    const [current] = (await this.db.query(CURRENT_SQL, [spendId])) as { generation: number; lastRefillAt: Date | null }[];
    const now = { generation: current?.generation ?? generation, lastRefillAt: current?.lastRefillAt?.getTime() ?? due };
    this.known.set(spendId, now);
    return now.generation;
  }

  /** The newest generation this process knows of a balance, and the instant of a refill due (null: none). */
  private refillDue(spendId: string, credits: Credits): { generation: number; due: number | null } {
    const seen = this.known.get(spendId);
    const generation = newestGeneration(credits, seen);
    if (!credits.refill) return { generation, due: null };
    const lastRefillAt = Math.max(credits.lastRefillAt ?? -1, seen?.lastRefillAt ?? -1);
    return {
      generation,
      due: dueRefill(credits.refill, lastRefillAt < 0 ? null : lastRefillAt, credits.setAt, this.clock.nowMs()),
    };
  }

  /** Notes a generation this process learnt elsewhere (a balance set here). */
  saw(spendId: string, generation: number, lastRefillAt: number | null): void {
    const seen = this.known.get(spendId);
    if (!seen || seen.generation < generation) this.known.set(spendId, { generation, lastRefillAt });
  }

  /** From this process's lease; an empty one is filled by a lease (one at a time per balance), the requests waiting for it. */
  private async takeHere(spendId: string, startGeneration: number): Promise<CreditTake> {
    let generation = startGeneration;
    for (let attempt = 0; attempt < 100; attempt++) {
      const taken = this.fromHere(spendId, generation);
      if (taken) return taken;
      const lease = await this.leaseHere(spendId, generation);
      if (lease.generation !== generation) {
        generation = lease.generation;
        this.saw(spendId, generation, null);
      } else if (lease.leased === 0 && this.heldHere(spendId, generation) === 0) return { ok: false, retryAfterSeconds: null };
    }
    return { ok: false, retryAfterSeconds: null };
  }

  /** A credit of `generation` from what this process holds, topped up in the background when it runs low; null when it holds none. */
  private fromHere(spendId: string, generation: number): CreditTaken | null {
    const slot = this.here.get(spendId);
    if (!slot || slot.generation !== generation || slot.held <= 0) return null;
    slot.held -= 1;
    slot.usedAt = performance.now();
    // With Redis, only an ample balance is topped up here: below it the pool takes over once this lease is spent.
    if (slot.held === LEASE_LOW && (!this.pool || this.ample.has(spendId)))
      void this.leaseHere(spendId, generation, LEASE_SIZE - LEASE_LOW).catch(() => undefined);
    return slot.taken;
  }

  private leaseHere(spendId: string, generation: number, size = LEASE_SIZE): Promise<{ leased: number; generation: number }> {
    const slot = `here:${spendId}:${generation}`;
    let pending = this.leasing.get(slot);
    if (!pending) {
      pending = this.leaseFromDatabase(spendId, generation, size)
        .then((lease) => {
          const held = this.here.get(spendId);
          // Credits of an older generation were voided when the balance was set anew: they are dropped, not handed back.
          const current =
            held && held.generation === lease.generation
              ? held
              : {
                  generation: lease.generation,
                  held: 0,
                  usedAt: 0,
                  taken: { ok: true, from: "here", generation: lease.generation } as const,
                };
          if (lease.generation === generation) current.held += lease.leased;
          current.usedAt = performance.now();
          this.here.set(spendId, current);
          this.handBackTimer ??= setInterval(
            () => void this.handBack(undefined, performance.now() - HAND_BACK_AFTER_MS).catch(() => undefined),
            HAND_BACK_AFTER_MS,
          ).unref();
          if (this.pool) this.reportTimer ??= setInterval(() => void this.report().catch(() => undefined), REPORT_MS).unref();
          return lease;
        })
        .finally(() => this.leasing.delete(slot));
      this.leasing.set(slot, pending);
    }
    return pending;
  }

  private async leaseFromDatabase(spendId: string, generation: number, size = LEASE_SIZE): Promise<{ leased: number; generation: number }> {
    const { rows } = await runPrepared<{ leased: number; generation: number; remaining: number }>(this.db, LEASE, [
      spendId,
      generation,
      size,
    ]);
    const row = rows[0];
    if (!row) return { leased: 0, generation };
    if (row.remaining >= AMPLE_CREDITS) this.ample.add(spendId);
    else this.ample.delete(spendId);
    return { leased: row.leased, generation: row.generation };
  }

  /**
   * From the shared pool; an empty pool is filled by a lease. A request is refused only once the
   * pool is empty, nobody is adding a lease to it, and PostgreSQL has nothing left to lease.
   */
  private async takeFromPool(spendId: string, startGeneration: number): Promise<CreditTake> {
    const pool = this.pool!;
    let generation = startGeneration;
    let leasedEmpty = false;
    for (let waited = 0; waited < 1000; ) {
      const held = await viaRedis(pool.take(spendId, generation));
      if (held >= 0) {
        // The take that leaves the pool low tops it up in the background (to LEASE_SIZE at most: what the pool held then, and the lease).
        if (held === LEASE_LOW) void this.lease(spendId, generation, LEASE_SIZE - LEASE_LOW).catch(() => undefined);
        return { ok: true, from: "pool", generation };
      }
      if (held === LEASING) {
        waited += 1;
        await delay(2);
        continue;
      }
      if (held === EMPTY && leasedEmpty) return { ok: false, retryAfterSeconds: null };
      const lease = await this.lease(spendId, generation);
      if (lease.generation !== generation) {
        generation = lease.generation;
        this.saw(spendId, generation, null);
        leasedEmpty = false;
      } else if (lease.leased === 0) leasedEmpty = true;
    }
    return { ok: false, retryAfterSeconds: null };
  }

  /** One lease at a time per balance from this process; its credits join the pool (announced first, see CreditPool). */
  private lease(spendId: string, generation: number, size = LEASE_SIZE): Promise<{ leased: number; generation: number }> {
    const slot = `${spendId}:${generation}`;
    let pending = this.leasing.get(slot);
    if (!pending) {
      pending = this.leaseNow(spendId, generation, size).finally(() => this.leasing.delete(slot));
      this.leasing.set(slot, pending);
    }
    return pending;
  }

  private async leaseNow(spendId: string, generation: number, size: number): Promise<{ leased: number; generation: number }> {
    const pool = this.pool!;
    await viaRedis(pool.beginLease(spendId, generation));
    let lease = { leased: 0, generation };
    try {
      lease = await this.leaseFromDatabase(spendId, generation, size);
    } finally {
      await viaRedis(pool.endLease(spendId, generation, lease.generation === generation ? lease.leased : 0, false));
    }
    return lease;
  }
}

/** The newest generation this process knows of a balance: the key's, or a newer one it saw since (a refill, a set). */
function newestGeneration(credits: Credits, seen: { generation: number } | undefined): number {
  return seen === undefined || seen.generation < credits.generation ? credits.generation : seen.generation;
}

/** The first row of an UPDATE … RETURNING, as TypeORM hands it from the pg driver ([rows, count]) or as plain rows. */
function firstRow(result: unknown[]): unknown {
  if (Array.isArray(result[0])) return (result[0] as unknown[])[0];
  return result[0];
}
