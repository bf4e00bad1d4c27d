import type { DocumentNode, OperationDefinitionNode } from "graphql";
import type { KeySpend, Principal } from "../../auth/principal";
import { spendRefused } from "../../common/errors";
import type { CreditTaken } from "../../keys/credit-ledger";
import type { KeySpendService } from "../../keys/key-spend.service";
import type { BucketLevel, BudgetValue } from "../../throttles/cost-bucket";

/** What a request of a key with a budget or credits has spent, from its cost check on. */
export interface SpendState {
  readonly spend: KeySpend;
  /** The requested cost: the cost check's figure. */
  readonly requested: number;
  /** What execution runs with, for the actual cost; absent for a request refused at the cost check. */
  readonly operation?: { document: DocumentNode; operation: OperationDefinitionNode; variables: Record<string, unknown> };
  /** Whether the requested cost is out of the bucket (to give back what execution did not use). */
  taken: boolean;
  level?: BucketLevel;
  credit?: CreditTaken;
}

/** A request's spend before anything is taken, every field there from the start (one shape for every such request). */
export function newSpendState(spend: KeySpend, requested: number, operation: SpendState["operation"]): SpendState {
  return { spend, requested, operation, taken: false, level: undefined, credit: undefined };
}

/** Shopify's `extensions.cost`, on every answer to a key with a budget from its cost check on. */
export class CostExtension {
  constructor(
    readonly requestedQueryCost: number,
    readonly actualQueryCost: number,
    private readonly budget: BudgetValue,
    private readonly available: number,
  ) {}

  get throttleStatus(): { maximumAvailable: number; currentlyAvailable: number; restoreRate: number } {
    return { maximumAvailable: this.budget.maximum, currentlyAvailable: this.available, restoreRate: this.budget.restorePerSecond };
  }

  /** Shopify's object, as the WebSocket transport writes it. */
  toJSON(): { requestedQueryCost: number; actualQueryCost: number; throttleStatus: CostExtension["throttleStatus"] } {
    return { requestedQueryCost: this.requestedQueryCost, actualQueryCost: this.actualQueryCost, throttleStatus: this.throttleStatus };
  }

  /** `JSON.stringify(this)`, written without walking it (≈ 1 µs less on every answer to a key with a budget). */
  toText(): string {
    return (
      `{"requestedQueryCost":${jsonNumber(this.requestedQueryCost)},"actualQueryCost":${jsonNumber(this.actualQueryCost)},` +
      `"throttleStatus":{"maximumAvailable":${jsonNumber(this.budget.maximum)},` +
      `"currentlyAvailable":${jsonNumber(this.available)},"restoreRate":${jsonNumber(this.budget.restorePerSecond)}}}`
    );
  }
}

/** A number as JSON writes it (`null` for one that is not finite). */
function jsonNumber(n: number): string {
  return Number.isFinite(n) ? `${n}` : "null";
}

/** The key's balance when it has a budget or credits; null (nothing to pay) otherwise. */
export function spendOfPrincipal(principal: Principal | null): KeySpend | null {
  return principal?.kind === "API_KEY" ? principal.spend : null;
}

/**
 * After the permission check, before execution: the requested cost from the key's bucket (429
 * COST_BUDGET when it holds less), then one credit (429 CREDITS_EXHAUSTED, the cost given back).
 * Throws the refusal; the state records what was taken. Undefined when both were taken at once,
 * from what this process holds (nearly every request); else a promise of the rest.
 */
export function takeSpend(state: SpendState, principal: Principal, spends: KeySpendService): Promise<void> | undefined {
  const { spend } = state;
  if (spend.budget) {
    const level = spends.budgetNow(spend, state.requested);
    if (!level) return takeSpendLater(state, principal, spends);
    takenFromBucket(state, level);
  }
  if (!spend.credits || principal.kind !== "API_KEY") return undefined;
  const credit = spends.takeCreditNow(spend, principal.apiKeyId, principal.workspaceId);
  if (!credit) return takeCredit(state, principal, spends);
  state.credit = credit;
  return undefined;
}

/** `takeSpend` when the bucket's level is another process's (Redis). */
async function takeSpendLater(state: SpendState, principal: Principal, spends: KeySpendService): Promise<void> {
  const { spend } = state;
  if (spend.budget) takenFromBucket(state, await spends.budget(spend, state.requested));
  if (spend.credits && principal.kind === "API_KEY") await takeCredit(state, principal, spends);
}

/** The requested cost as the bucket took it, or its refusal. */
function takenFromBucket(state: SpendState, level: BucketLevel): void {
  state.level = level;
  if (!level.allowed)
    throw spendRefused(
      "COST_BUDGET",
      `This request costs ${state.requested} points and the key's cost budget holds ${level.available}`,
      level.retryAfterSeconds,
    );
  state.taken = true;
}

/** The credit from the balance (a lease, the shared pool), or its refusal with the cost given back. */
async function takeCredit(state: SpendState, principal: Principal & { kind: "API_KEY" }, spends: KeySpendService): Promise<void> {
  const { spend } = state;
  const credit = await spends.takeCredit(spend, principal.apiKeyId, principal.workspaceId);
  if (credit.ok) {
    state.credit = credit;
    return;
  }
  if (state.taken) {
    state.level = await spends.budget(spend, -state.requested);
    state.taken = false;
  }
  throw spendRefused("CREDITS_EXHAUSTED", "The key has no credits left", credit.retryAfterSeconds);
}

/**
 * Once the answer is built (before its size is measured, so `extensions.cost` is part of it): what
 * the request did not use goes back to the bucket; the `extensions.cost` to send, for a key with a
 * budget — at once when this process holds the bucket (or nothing goes back), else a promise of it.
 */
export function settleCost(state: SpendState, actual: number, spends: KeySpendService): CostExtension | Promise<CostExtension> | undefined {
  const { spend } = state;
  if (!spend.budget) return undefined;
  const actualQueryCost = state.taken ? Math.min(actual, state.requested) : 0;
  // Nothing to give back (every page full): the level the take left is the one to report, without another change.
  const change = state.taken && state.requested > actualQueryCost ? -(state.requested - actualQueryCost) : state.level ? null : 0;
  state.taken = false;
  if (change !== null) {
    const level = spends.budgetNow(spend, change);
    if (!level)
      return spends.budget(spend, change).then((later) => {
        state.level = later;
        return costExtension(state, actualQueryCost, later);
      });
    state.level = level;
  }
  return costExtension(state, actualQueryCost, state.level!);
}

function costExtension(state: SpendState, actualQueryCost: number, level: BucketLevel): CostExtension {
  return new CostExtension(state.requested, actualQueryCost, state.spend.budget!, level.available);
}

/** Once the answer's status is known: a credit taken for an answer that was 503 goes back to the balance. */
export async function refundCredit(state: SpendState, status: number, spends: KeySpendService): Promise<void> {
  if (!state.credit || status !== 503) return;
  await spends.ledger.giveBack(state.spend.id, state.credit);
  state.credit = undefined;
}
