import type { ApiKeyEntity } from "../../entities/api-key.entity";
import { budgetOf, spendOf } from "../../keys/key-spend.service";
import type { GraphQLContext } from "../common/context";
import type { CostBudget, Credits } from "./spend.types";

/** A key's balance through the request's loader (one statement for a whole list of keys). */
async function spendOfKey(ctx: GraphQLContext, key: ApiKeyEntity) {
  return key.spendId ? ctx.loaders.spend.load(key.spendId) : null;
}

/** `ApiKey.costBudget` and `UsageUpdate.costBudget`: the budget with the bucket's level now. */
export async function costBudgetOf(ctx: GraphQLContext, key: ApiKeyEntity): Promise<CostBudget | null> {
  const row = await spendOfKey(ctx, key);
  const budget = budgetOf(row);
  const spend = spendOf(row);
  if (!budget || !spend) return null;
  const level = await ctx.services.spends.budget(spend, 0);
  return { ...budget, currentlyAvailable: level.available };
}

/** `ApiKey.credits` and `UsageUpdate.credits`: the exact balance (a refill that is due happens first). */
export async function creditsOf(ctx: GraphQLContext, key: ApiKeyEntity): Promise<Credits | null> {
  const spend = spendOf(await spendOfKey(ctx, key));
  if (!spend?.credits) return null;
  const reading = (await ctx.services.spends.readCredits(key.workspaceId, [spend])).get(spend.id);
  if (!reading) return null;
  return { remaining: reading.remaining, refill: spend.credits.refill as Credits["refill"], lastRefillAt: reading.lastRefillAt };
}
