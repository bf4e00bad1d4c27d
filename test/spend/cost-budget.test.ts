import { dataOf, errorOf, gql } from "../support/client";
import { eventually } from "../support/eventually";
import { signUp, SignedUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { costOf, createAgents, keyOf, spendingKey } from "./spend-support";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const PAGE = `{ agents(first: 100) { nodes { id name } } }`;
const NESTED = `{ agents(first: 10) { nodes { id calls(first: 5) { nodes { id } } } } }`;
const VIEWER = `{ viewer { kind } }`;

async function addCalls(admin: SignedUp, agentId: string, n: number) {
  for (let i = 0; i < n; i++) {
    const input = { agentId, direction: "OUTBOUND", fromNumber: "+14155550100", toNumber: "+14155550101" };
    dataOf(await gql(server.url, `mutation($i: CreateCallInput!) { createCall(input: $i) { id } }`, { i: input }, admin.token));
  }
}

describe("requested and actual cost", () => {
  it("a page of first: 100 that returns 3 rows costs what 3 rows cost, and the bucket gets the rest back", async () => {
    const admin = await signUp(server.url);
    await createAgents(server, admin.token, ["A", "B", "C"]);
    const key = await spendingKey(server.url, admin.token, { costBudget: { maximum: 1000, restorePerSecond: 1 } });
    const response = await gql(server.url, PAGE, {}, key.secret);
    expect(dataOf(response).agents.nodes).toHaveLength(3);
    // Requested: 1 + 100 × (nodes 1 + id 1 + name 1); actual: 1 + 3 × (nodes 1) + 3 rows × (id + name).
    expect(costOf(response)).toEqual({
      requestedQueryCost: 301,
      actualQueryCost: 10,
      throttleStatus: { maximumAvailable: 1000, currentlyAvailable: 990, restoreRate: 1 },
    });
    expect((await keyOf(server.url, admin.token, key.id)).costBudget).toEqual({
      maximum: 1000,
      restorePerSecond: 1,
      currentlyAvailable: 990,
    });
  });

  it("a nested page is counted per parent returned, by the rows each returned", async () => {
    const admin = await signUp(server.url);
    const [a, , c] = await createAgents(server, admin.token, ["A", "B", "C"]);
    await addCalls(admin, a, 2);
    await addCalls(admin, c, 1);
    const key = await spendingKey(server.url, admin.token, { costBudget: { maximum: 1000, restorePerSecond: 1 } });
    const response = await gql(server.url, NESTED, {}, key.secret);
    expect(dataOf(response).agents.nodes).toHaveLength(3);
    // Per agent: id 1 + calls (1 + k rows × (nodes 1) + k × id 1); agents with 2, 0 and 1 calls: 6 + 2 + 4, plus 1 + 3 × nodes.
    expect(costOf(response)).toMatchObject({ requestedQueryCost: 131, actualQueryCost: 16 });
  });
});

describe("the order of checks and the refusals", () => {
  it("an operation costing more than the budget's maximum is 400 naming the budget, before its permissions", async () => {
    const admin = await signUp(server.url);
    const key = await spendingKey(server.url, admin.token, { costBudget: { maximum: 100, restorePerSecond: 1 } });
    const response = await gql(server.url, `{ contacts(first: 100) { nodes { id firstName } } }`, {}, key.secret);
    expect(response.status).toBe(400);
    expect(errorOf(response).extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(errorOf(response).message).toContain("cost budget, whose maximum is 100 points");
    expect(costOf(response)).toMatchObject({ requestedQueryCost: 301, actualQueryCost: 0 });
  });

  it("the cost-limit refusal is counted in usage as INVALID", async () => {
    const admin = await signUp(server.url);
    const key = await spendingKey(server.url, admin.token, { costBudget: { maximum: 10, restorePerSecond: 1 } });
    expect((await gql(server.url, `{ agents(first: 5) { nodes { id } } }`, {}, key.secret)).status).toBe(400);
    const log = async () =>
      dataOf(await gql(server.url, `query($k: ID) { usageEventLog(apiKeyId: $k) { nodes { outcome } } }`, { k: key.id }, admin.token))
        .usageEventLog.nodes;
    expect(await eventually(log, (n) => n.length > 0)).toEqual([{ outcome: "INVALID" }]);
  });

  it("changing the budget keeps the bucket's level, capped at the new maximum", async () => {
    const admin = await signUp(server.url);
    const key = await spendingKey(server.url, admin.token, { costBudget: { maximum: 100, restorePerSecond: 1 } });
    expect((await gql(server.url, VIEWER, {}, key.secret)).status).toBe(200);
    const update = `mutation($id: ID!, $b: CostBudgetInput) { updateApiKey(id: $id, input: { costBudget: $b }) { costBudget { currentlyAvailable } } }`;
    const level = async (maximum: number) =>
      dataOf(await gql(server.url, update, { id: key.id, b: { maximum, restorePerSecond: 1 } }, admin.token)).updateApiKey.costBudget
        .currentlyAvailable;
    expect(await level(200)).toBe(98);
    expect(await level(50)).toBe(50);
    expect(await level(200)).toBe(50);
  });

  it("a bucket holding less than the requested cost refuses with 429 COST_BUDGET and Retry-After, without RateLimit headers", async () => {
    const admin = await signUp(server.url);
    const key = await spendingKey(server.url, admin.token, { costBudget: { maximum: 5, restorePerSecond: 1 } });
    const answers = [await gql(server.url, VIEWER, {}, key.secret), await gql(server.url, VIEWER, {}, key.secret)];
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    const refused = await gql(server.url, VIEWER, {}, key.secret);
    expect(refused.status).toBe(429);
    expect(errorOf(refused).extensions).toMatchObject({ code: "RATE_LIMITED", reason: "COST_BUDGET" });
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.headers.get("ratelimit-limit")).toBeNull();
    expect(costOf(refused)).toEqual({
      requestedQueryCost: 2,
      actualQueryCost: 0,
      throttleStatus: { maximumAvailable: 5, currentlyAvailable: 1, restoreRate: 1 },
    });
    server.clock.advance(1000);
    expect((await gql(server.url, VIEWER, {}, key.secret)).status).toBe(200);
  });

  it("the rate limit comes first: its refusal says reason RATE_LIMIT, sends RateLimit headers and takes nothing from the bucket", async () => {
    const admin = await signUp(server.url);
    const key = await spendingKey(server.url, admin.token, {
      rateLimit: { limit: 1, windowSeconds: 3600 },
      costBudget: { maximum: 10, restorePerSecond: 1 },
    });
    expect(costOf(await gql(server.url, VIEWER, {}, key.secret))?.throttleStatus.currentlyAvailable).toBe(8);
    const refused = await gql(server.url, VIEWER, {}, key.secret);
    expect(refused.status).toBe(429);
    expect(errorOf(refused).extensions).toMatchObject({ code: "RATE_LIMITED", reason: "RATE_LIMIT" });
    expect(refused.headers.get("ratelimit-limit")).toBe("1");
    expect(costOf(refused)).toBeUndefined();
    expect((await keyOf(server.url, admin.token, key.id)).costBudget.currentlyAvailable).toBe(8);
  });

  it("a key without the grant is 403 and takes nothing from its bucket", async () => {
    const admin = await signUp(server.url);
    const key = await spendingKey(server.url, admin.token, { costBudget: { maximum: 50, restorePerSecond: 1 } });
    const refused = await gql(server.url, `{ contacts(first: 1) { nodes { id firstName } } }`, {}, key.secret);
    expect(refused.status).toBe(403);
    expect(costOf(refused)).toMatchObject({ actualQueryCost: 0, throttleStatus: { currentlyAvailable: 50 } });
  });

  it("with no credits left a request is 429 CREDITS_EXHAUSTED, without Retry-After when there is no refill, its whole cost back in the bucket", async () => {
    const admin = await signUp(server.url);
    const key = await spendingKey(server.url, admin.token, {
      costBudget: { maximum: 100, restorePerSecond: 1 },
      credits: { remaining: 2 },
    });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await gql(server.url, VIEWER, {}, key.secret));
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 429]);
    const refused = statuses[2];
    expect(errorOf(refused).extensions).toMatchObject({ code: "RATE_LIMITED", reason: "CREDITS_EXHAUSTED" });
    expect(refused.headers.get("retry-after")).toBeNull();
    expect(costOf(refused)).toMatchObject({ requestedQueryCost: 2, actualQueryCost: 0, throttleStatus: { currentlyAvailable: 96 } });
    expect((await keyOf(server.url, admin.token, key.id)).credits.remaining).toBe(0);
  });

  it("budget and credit refusals count in usage as RATE_LIMITED", async () => {
    const admin = await signUp(server.url);
    const key = await spendingKey(server.url, admin.token, { credits: { remaining: 0 } });
    expect((await gql(server.url, VIEWER, {}, key.secret)).status).toBe(429);
    const log = async () =>
      dataOf(await gql(server.url, `query($k: ID) { usageEventLog(apiKeyId: $k) { nodes { outcome } } }`, { k: key.id }, admin.token))
        .usageEventLog.nodes;
    expect(await eventually(log, (n) => n.length > 0)).toEqual([{ outcome: "RATE_LIMITED" }]);
  });
});
