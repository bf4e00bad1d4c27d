import { dataOf, gql, GqlResponse } from "../support/client";
import { createKey } from "../support/factories";
import type { TestServer } from "../support/server";

export const KEY_FIELDS = `id costBudget { maximum restorePerSecond currentlyAvailable } credits { remaining refill { amount interval dayOfMonth } lastRefillAt }`;

/** A key reading agents, with the budget and credits given. */
export async function spendingKey(url: string, adminToken: string, spend: Record<string, unknown>) {
  return createKey(
    url,
    adminToken,
    [
      { resource: "AGENTS", read: true },
      { resource: "CALLS", read: true },
    ],
    spend,
  );
}

export async function keyOf(url: string, adminToken: string, id: string) {
  return dataOf(await gql(url, `query($id: ID!) { apiKey(id: $id) { ${KEY_FIELDS} } }`, { id }, adminToken)).apiKey;
}

export async function createAgents(server: TestServer, adminToken: string, names: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names) {
    const r = await gql(server.url, `mutation($i: CreateAgentInput!) { createAgent(input: $i) { id } }`, { i: { name } }, adminToken);
    ids.push(dataOf(r).createAgent.id);
  }
  return ids;
}

export const costOf = (response: GqlResponse) =>
  (response.body as { extensions?: Record<string, unknown> }).extensions?.cost as
    | {
        requestedQueryCost: number;
        actualQueryCost: number;
        throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
      }
    | undefined;

/** A key's balance id, and a reader of its durable credits (PostgreSQL's column alone, without what is leased). */
export async function durableCreditsOf(server: TestServer, keyId: string): Promise<{ spendId: string; durable: () => Promise<number> }> {
  const [{ spendId }] = (await server.dataSource.query(`SELECT spend_id::text AS "spendId" FROM api_key WHERE id = $1`, [keyId])) as {
    spendId: string;
  }[];
  const durable = async () => {
    const [row] = (await server.dataSource.query(`SELECT credits_remaining FROM api_key_spend WHERE id = $1`, [spendId])) as {
      credits_remaining: string;
    }[];
    return Number(row.credits_remaining);
  };
  return { spendId, durable };
}
