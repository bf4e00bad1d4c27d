import { dataOf, gql } from "../support/client";
import { eventually } from "../support/eventually";
import { signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { spendingKey } from "./spend-support";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const VIEWER = `{ viewer { kind } }`;
const ALERTS = `{ securityAlerts(kinds: [CREDITS_LOW]) { nodes { kind message details apiKey { id } } } }`;

async function spend(secret: string, n: number) {
  for (let i = 0; i < n; i++) expect((await gql(server.url, VIEWER, {}, secret)).status).toBe(200);
}

it("CREDITS_LOW is raised within 5 s once remaining falls below 10 % of the balance set, once per setting; add does not reset it, set does", async () => {
  const admin = await signUp(server.url);
  const key = await spendingKey(server.url, admin.token, { credits: { remaining: 20 } });
  const alerts = async () => dataOf(await gql(server.url, ALERTS, {}, admin.token)).securityAlerts.nodes;
  await spend(key.secret, 18);
  // 2 left is not below 2 (10 % of 20): the watch has looked (within its second) and raised nothing.
  await server.services.alerts.creditsLow.check();
  expect(await alerts()).toEqual([]);
  await spend(key.secret, 1);
  const raised = await eventually(alerts, (list) => list.length > 0, 5000);
  expect(raised).toEqual([
    {
      kind: "CREDITS_LOW",
      message: 'Key "Test key" has 1 credits left, below 2',
      details: { remaining: 1, threshold: 2 },
      apiKey: { id: key.id },
    },
  ]);
  const adjust = `mutation($id: ID!, $set: Int, $add: Int) { adjustCredits(id: $id, set: $set, add: $add) { id } }`;
  dataOf(await gql(server.url, adjust, { id: key.id, add: 5 }, admin.token));
  await spend(key.secret, 6);
  await server.services.alerts.creditsLow.check();
  expect(await alerts()).toHaveLength(1);
  dataOf(await gql(server.url, adjust, { id: key.id, set: 10 }, admin.token));
  await spend(key.secret, 10);
  const again = await eventually(alerts, (list) => list.length > 1, 5000);
  expect(again).toHaveLength(2);
  expect(again.map((a: { details: unknown }) => a.details)).toContainEqual({ remaining: 0, threshold: 1 });
});
