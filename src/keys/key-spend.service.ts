import type { DataSource, EntityManager } from "typeorm";
import type { KeySpend } from "../auth/principal";
import type { Bus } from "../bus/event-bus";
import type { Clock } from "../common/clock";
import { ApiKeySpendEntity, RefillInterval } from "../entities/api-key-spend.entity";
import type { BucketLevel, CostBuckets } from "../throttles/cost-bucket";
import type { CreditPool } from "../throttles/credit-pool";
import type { KeyTopics } from "./api-key.service";
import { CreditLedger, CreditTake, CreditTaken } from "./credit-ledger";
import { CostBudgetValue, CreditsValue, lowCreditsThreshold } from "./key-spend-rules";

/** A balance touched by a request since the CREDITS_LOW watch last looked, with a key that drew on it. */
export interface TouchedBalance {
  spend: KeySpend;
  apiKeyId: string;
  workspaceId: string;
}

/** A balance as read exactly: PostgreSQL's balance plus what the shared pool holds of it. */
export interface CreditsReading {
  spendId: string;
  remaining: number;
  generation: number;
  threshold: number;
  lastRefillAt: Date | null;
}

export function budgetOf(spend: ApiKeySpendEntity | null | undefined): CostBudgetValue | null {
  return spend && spend.budgetMaximum !== null && spend.budgetRestorePerSecond !== null
    ? { maximum: spend.budgetMaximum, restorePerSecond: spend.budgetRestorePerSecond }
    : null;
}

/** What the request path needs of a key's balance; null when it has neither a budget nor credits. */
export function spendOf(spend: ApiKeySpendEntity | null | undefined): KeySpend | null {
  if (!spend) return null;
  const budget = budgetOf(spend);
  const credits =
    spend.creditsRemaining === null
      ? null
      : {
          generation: spend.generation,
          refill:
            spend.refillAmount !== null && spend.refillInterval !== null
              ? { amount: spend.refillAmount, interval: spend.refillInterval, dayOfMonth: spend.refillDayOfMonth }
              : null,
          lastRefillAt: spend.lastRefillAt?.getTime() ?? null,
          setAt: spend.creditsSetAt?.getTime() ?? 0,
        };
  return budget || credits ? { id: spend.id, budget, credits } : null;
}

/** Credits as set by create, update or `set`: a new balance, a new generation, the base of CREDITS_LOW. */
function creditColumns(credits: CreditsValue | null, now: Date): Partial<ApiKeySpendEntity> {
  return {
    creditsRemaining: credits ? String(credits.remaining) : null,
    refillAmount: credits?.refill?.amount ?? null,
    refillInterval: (credits?.refill?.interval as RefillInterval | undefined) ?? null,
    refillDayOfMonth: credits?.refill?.dayOfMonth ?? null,
    lastRefillAt: null,
    creditsSetAt: credits ? now : null,
    lowBase: credits ? String(credits.remaining) : null,
  };
}

/**
 * Cost budgets and credits (docs/API.md, "Cost budgets and credits"): the request path's takes
 * and give-backs, the balances' writes (inside the key service's transactions) and exact reads.
 */
export class KeySpendService {
  readonly ledger: CreditLedger;
  private touched = new Map<string, TouchedBalance>();

  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly buckets: CostBuckets,
    private readonly pool: CreditPool | undefined,
    private readonly bus: Pick<Bus<KeyTopics>, "publish">,
  ) {
    this.ledger = new CreditLedger(db, clock, pool, bus);
  }

  /** Takes `points` from the key's bucket (a positive number), gives them back (a negative one), or looks (0). */
  budget(spend: KeySpend, points: number): Promise<BucketLevel> {
    return this.buckets.change(spend.id, spend.budget!, points);
  }

  /** `budget` at once, when this process can answer alone; null when `budget` must. */
  budgetNow(spend: KeySpend, points: number): BucketLevel | null {
    return this.buckets.changeNow(spend.id, spend.budget!, points);
  }

  async takeCredit(spend: KeySpend, apiKeyId: string, workspaceId: string): Promise<CreditTake> {
    const taken = await this.ledger.take(spend.id, spend.credits!);
    this.touch(spend, apiKeyId, workspaceId);
    return taken;
  }

  /** A credit at once from what this process holds (see `CreditLedger.takeNow`); null when `takeCredit` must answer. */
  takeCreditNow(spend: KeySpend, apiKeyId: string, workspaceId: string): CreditTaken | null {
    const taken = this.ledger.takeNow(spend.id, spend.credits!);
    if (taken) this.touch(spend, apiKeyId, workspaceId);
    return taken;
  }

  private touch(spend: KeySpend, apiKeyId: string, workspaceId: string): void {
    if (!this.touched.has(spend.id)) this.touched.set(spend.id, { spend, apiKeyId, workspaceId });
  }

  /** At shutdown: the credits this process leased and the budget slices it took, unspent, go back. */
  async close(): Promise<void> {
    await this.buckets.close?.();
    await this.ledger.close();
  }

  /** The balances requests drew on since the last call. */
  drainTouched(): TouchedBalance[] {
    const touched = [...this.touched.values()];
    this.touched = new Map();
    return touched;
  }

  /** A new balance for a key being created (or null when it gets neither a budget nor credits). */
  async insert(
    manager: EntityManager,
    workspaceId: string,
    budget: CostBudgetValue | null,
    credits: CreditsValue | null,
  ): Promise<ApiKeySpendEntity | null> {
    if (!budget && !credits) return null;
    const spend = manager.create(ApiKeySpendEntity, {
      workspaceId,
      budgetMaximum: budget?.maximum ?? null,
      budgetRestorePerSecond: budget?.restorePerSecond ?? null,
      generation: 0,
      ...creditColumns(credits, this.clock.now()),
    });
    await manager.insert(ApiKeySpendEntity, spend);
    return spend;
  }

  /**
   * Replaces the budget or the credits (undefined leaves one, null removes it) of a key's balance,
   * making one when the key had none; locked for the rest of the transaction. Answers the balance
   * and, per field, what changed (for the audit entry).
   */
  async update(
    manager: EntityManager,
    workspaceId: string,
    spendId: string | null,
    budget: CostBudgetValue | null | undefined,
    credits: CreditsValue | null | undefined,
  ): Promise<{ spend: ApiKeySpendEntity | null; changes: Record<string, { from: unknown; to: unknown }> }> {
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    if (budget === undefined && credits === undefined) return { spend: null, changes };
    let spend = spendId ? await this.lock(manager, spendId) : null;
    if (!spend) {
      spend = await this.insert(manager, workspaceId, budget ?? null, credits ?? null);
      if (budget) changes.costBudget = { from: null, to: budget };
      if (credits) changes.credits = { from: null, to: credits };
      return { spend, changes };
    }
    const update: Partial<ApiKeySpendEntity> = {};
    if (budget !== undefined && JSON.stringify(budget) !== JSON.stringify(budgetOf(spend))) {
      changes.costBudget = { from: budgetOf(spend), to: budget };
      Object.assign(update, { budgetMaximum: budget?.maximum ?? null, budgetRestorePerSecond: budget?.restorePerSecond ?? null });
    }
    if (credits !== undefined) {
      const from = await this.describeCredits(spend);
      changes.credits = { from, to: credits };
      Object.assign(update, creditColumns(credits, this.clock.now()), { generation: spend.generation + 1 });
    }
    if (Object.keys(update).length > 0) await manager.update(ApiKeySpendEntity, { id: spend.id }, update);
    return { spend: Object.assign(spend, update), changes };
  }

  /**
   * `adjustCredits`: the new exact balance (`set`, or the current one plus `add`), or the reason it
   * may not be. `set` starts a new generation (and a new CREDITS_LOW base); `add` changes the
   * durable balance alone unless it takes more than that holds, when the pool is folded in.
   */
  async adjust(
    manager: EntityManager,
    spendId: string,
    change: { set: number } | { add: number },
  ): Promise<{ from: number; to: number } | { refusal: string }> {
    const spend = await this.lock(manager, spendId);
    if (!spend || spend.creditsRemaining === null) return { refusal: "the key has no credits; give it credits with updateApiKey" };
    // What this process holds of the balance is part of it: spent from here on, it is counted where it lies.
    const here = this.ledger.heldHere(spendId, spend.generation);
    const durable = Number(spend.creditsRemaining);
    const [held] = await this.held([{ spendId, generation: spend.generation }]);
    const from = durable + held + here;
    const to = "set" in change ? change.set : from + change.add;
    if (to < 0) return { refusal: `would leave ${to} credits: the balance cannot go below 0 (it holds ${from})` };
    if (to > 1_000_000_000) return { refusal: `would leave ${to} credits: the balance cannot exceed 1,000,000,000` };
    const update: Partial<ApiKeySpendEntity> =
      "set" in change
        ? { creditsRemaining: String(to), generation: spend.generation + 1, creditsSetAt: this.clock.now(), lowBase: String(to) }
        : durable + change.add >= 0
          ? { creditsRemaining: String(durable + change.add) }
          : { creditsRemaining: String(to), generation: spend.generation + 1 };
    await manager.update(ApiKeySpendEntity, { id: spendId }, update);
    return { from, to };
  }

  /**
   * After the transaction that changed a balance committed: the pool of an ended generation is
   * dropped and every key drawing on the balance is evicted from every instance's key cache.
   */
  async changed(spend: ApiKeySpendEntity | null, endedGeneration: number | null): Promise<void> {
    if (!spend) return;
    if (endedGeneration !== null && spend.generation !== endedGeneration) {
      this.ledger.saw(spend.id, spend.generation, null);
      await this.pool?.drop(spend.id, endedGeneration).catch(() => undefined);
    }
    const keys = (await this.db.query(`SELECT id::text AS id FROM api_key WHERE spend_id = $1`, [spend.id])) as { id: string }[];
    for (const { id } of keys) this.bus.publish("grantql.keys.changed", { keyId: id });
  }

  /** A workspace's balances by id, for the per-request loader. */
  byIds(workspaceId: string, ids: readonly string[]): Promise<ApiKeySpendEntity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db
      .getRepository(ApiKeySpendEntity)
      .createQueryBuilder("s")
      .where("s.workspace_id = :workspaceId AND s.id IN (:...ids)", { workspaceId, ids })
      .getMany();
  }

  /**
   * Exact balances: a refill that is due first, then PostgreSQL's balance plus what the current
   * generation's pool holds (one statement, one Redis round trip).
   */
  async readCredits(workspaceId: string, spends: readonly KeySpend[]): Promise<Map<string, CreditsReading>> {
    const withCredits = spends.filter((s) => s.credits);
    for (const s of withCredits) await this.ledger.refillIfDue(s.id, s.credits!);
    const rows = await this.byIds(
      workspaceId,
      withCredits.map((s) => s.id),
    );
    const held = await this.held(rows.map((r) => ({ spendId: r.id, generation: r.generation })));
    return new Map(
      rows
        .filter((r) => r.creditsRemaining !== null)
        .map((r, i) => [
          r.id,
          {
            spendId: r.id,
            remaining: Number(r.creditsRemaining) + held[i] + this.ledger.heldHere(r.id, r.generation),
            generation: r.generation,
            threshold: lowCreditsThreshold(r.refillAmount, r.lowBase === null ? null : Number(r.lowBase)),
            lastRefillAt: r.lastRefillAt,
          },
        ]),
    );
  }

  private async describeCredits(spend: ApiKeySpendEntity): Promise<unknown> {
    if (spend.creditsRemaining === null) return null;
    const [held] = await this.held([{ spendId: spend.id, generation: spend.generation }]);
    const refill =
      spend.refillAmount === null
        ? null
        : { amount: spend.refillAmount, interval: spend.refillInterval, dayOfMonth: spend.refillDayOfMonth };
    return { remaining: Number(spend.creditsRemaining) + held + this.ledger.heldHere(spend.id, spend.generation), refill };
  }

  /** What the pools hold (0 each without Redis, or while it is away: those credits wait there). */
  private async held(pools: { spendId: string; generation: number }[]): Promise<number[]> {
    if (!this.pool || pools.length === 0) return pools.map(() => 0);
    return this.pool.held(pools).catch(() => pools.map(() => 0));
  }

  private lock(manager: EntityManager, id: string): Promise<ApiKeySpendEntity | null> {
    return manager
      .getRepository(ApiKeySpendEntity)
      .createQueryBuilder("s")
      .where("s.id = :id", { id })
      .setLock("pessimistic_write")
      .getOne();
  }
}
