import { ManualClock } from "../../src/common/clock";
import { dataOf, errorOf, gql } from "../support/client";
import { PASSWORD, signUp, SignedUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { KEY_FIELDS, keyOf, spendingKey } from "./spend-support";

const clock = new ManualClock(new Date("2027-02-10T12:00:00.000Z"));
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ clock });
});
afterAll(async () => {
  await server?.stop();
});

const VIEWER = `{ viewer { kind } }`;

/** The key as an admin reads it after the clock moved past the session's life: signed in again. */
async function readLater(admin: SignedUp, id: string) {
  const signIn = `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`;
  const token = dataOf(await gql(server.url, signIn, { e: admin.email, p: PASSWORD })).signIn.token;
  return keyOf(server.url, token, id);
}
const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { ${KEY_FIELDS} } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateApiKeyInput!) { updateApiKey(id: $id, input: $input) { ${KEY_FIELDS} } }`;
const ADJUST = `mutation($id: ID!, $set: Int, $add: Int) { adjustCredits(id: $id, set: $set, add: $add) { ${KEY_FIELDS} } }`;
const PERMISSIONS = [{ resource: "AGENTS", read: true }];

describe("every bad input is BAD_USER_INPUT naming the field and the rule", () => {
  it.each([
    ["input.costBudget.maximum", { costBudget: { maximum: 0, restorePerSecond: 1 } }, "from 1 to 10,000,000"],
    ["input.costBudget.maximum", { costBudget: { maximum: 10_000_001, restorePerSecond: 1 } }, "from 1 to 10,000,000"],
    ["input.costBudget.restorePerSecond", { costBudget: { maximum: 10, restorePerSecond: 0 } }, "from 1 to 1,000,000"],
    ["input.costBudget.restorePerSecond", { costBudget: { maximum: 10, restorePerSecond: 1_000_001 } }, "from 1 to 1,000,000"],
    ["input.credits.remaining", { credits: { remaining: -1 } }, "from 0 to 1,000,000,000"],
    ["input.credits.remaining", { credits: { remaining: 1_000_000_001 } }, "from 0 to 1,000,000,000"],
    ["input.credits.refill.amount", { credits: { remaining: 1, refill: { amount: 0, interval: "DAILY" } } }, "from 1 to 1,000,000,000"],
    [
      "input.credits.refill.dayOfMonth",
      { credits: { remaining: 1, refill: { amount: 5, interval: "DAILY", dayOfMonth: 3 } } },
      "only for a MONTHLY",
    ],
    [
      "input.credits.refill.dayOfMonth",
      { credits: { remaining: 1, refill: { amount: 5, interval: "MONTHLY", dayOfMonth: 0 } } },
      "from 1 to 31",
    ],
    [
      "input.credits.refill.dayOfMonth",
      { credits: { remaining: 1, refill: { amount: 5, interval: "MONTHLY", dayOfMonth: 32 } } },
      "from 1 to 31",
    ],
  ])("create: %s (%j)", async (field, spend, rule) => {
    const admin = await signUp(server.url);
    const response = await gql(server.url, CREATE, { input: { name: "K", permissions: PERMISSIONS, ...spend } }, admin.token);
    const error = errorOf(response);
    expect(error.extensions?.code).toBe("BAD_USER_INPUT");
    expect(error.extensions?.fields).toEqual([{ field, message: expect.stringContaining(rule) }]);
    const keys = dataOf(await gql(server.url, `{ apiKeys { totalCount } }`, {}, admin.token)).apiKeys.totalCount;
    expect(keys).toBe(0);
  });

  it.each([
    [{ set: 1, add: 1 }, ["set", "add"], "not both"],
    [{}, ["set"], "exactly one"],
    [{ set: -1 }, ["set"], "from 0 to 1,000,000,000"],
    [{ set: 1_000_000_001 }, ["set"], "from 0 to 1,000,000,000"],
    [{ add: -11 }, ["add"], "below 0"],
    [{ add: 999_999_991 }, ["add"], "cannot exceed 1,000,000,000"],
  ])("adjustCredits %j names %j", async (args, fields, rule) => {
    const admin = await signUp(server.url);
    const key = await spendingKey(server.url, admin.token, { credits: { remaining: 10 } });
    const error = errorOf(await gql(server.url, ADJUST, { id: key.id, ...args }, admin.token));
    expect(error.extensions?.code).toBe("BAD_USER_INPUT");
    expect(error.extensions?.fields.map((f: { field: string }) => f.field)).toEqual(fields);
    expect(error.extensions?.fields[0].message).toContain(rule);
    expect((await keyOf(server.url, admin.token, key.id)).credits.remaining).toBe(10);
  });

  it("adjustCredits on a key without credits, or not ACTIVE, is refused naming the argument", async () => {
    const admin = await signUp(server.url);
    const plain = await spendingKey(server.url, admin.token, {});
    const none = errorOf(await gql(server.url, ADJUST, { id: plain.id, add: 5 }, admin.token));
    expect(none.extensions?.fields).toEqual([{ field: "add", message: expect.stringContaining("has no credits") }]);
    const revoked = await spendingKey(server.url, admin.token, { credits: { remaining: 1 } });
    dataOf(await gql(server.url, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: revoked.id }, admin.token));
    const refusal = errorOf(await gql(server.url, ADJUST, { id: revoked.id, set: 5 }, admin.token));
    expect(refusal.extensions?.fields).toEqual([{ field: "set", message: expect.stringContaining("revoked") }]);
  });
});

describe("budget and credits on the key", () => {
  it("create sets both, update with null removes one and leaves the absent one, adjustCredits sets and adds (audited)", async () => {
    const admin = await signUp(server.url);
    const input = {
      name: "Partner",
      permissions: PERMISSIONS,
      costBudget: { maximum: 1000, restorePerSecond: 50 },
      credits: { remaining: 10, refill: { amount: 100, interval: "MONTHLY" } },
    };
    const created = dataOf(await gql(server.url, CREATE, { input }, admin.token)).createApiKey.apiKey;
    expect(created).toMatchObject({
      costBudget: { maximum: 1000, restorePerSecond: 50, currentlyAvailable: 1000 },
      credits: { remaining: 10, refill: { amount: 100, interval: "MONTHLY", dayOfMonth: 1 }, lastRefillAt: null },
    });
    const updated = dataOf(await gql(server.url, UPDATE, { id: created.id, input: { costBudget: null } }, admin.token)).updateApiKey;
    expect(updated).toMatchObject({ costBudget: null, credits: { remaining: 10 } });
    const set = dataOf(await gql(server.url, ADJUST, { id: created.id, set: 40 }, admin.token)).adjustCredits;
    expect(set.credits.remaining).toBe(40);
    const added = dataOf(await gql(server.url, ADJUST, { id: created.id, add: -15 }, admin.token)).adjustCredits;
    expect(added.credits).toMatchObject({ remaining: 25, refill: { amount: 100 } });
    const audit = dataOf(await gql(server.url, `{ auditLog(first: 2) { nodes { action details } } }`, {}, admin.token)).auditLog.nodes;
    expect(audit[0]).toMatchObject({ action: "API_KEY_CREDITS_ADJUSTED", details: { add: -15, from: 40, to: 25 } });
    expect(audit[1]).toMatchObject({ action: "API_KEY_CREDITS_ADJUSTED", details: { set: 40, from: 10, to: 40 } });
  });

  it("a rotated key takes over the balance: during the grace period both keys draw on one balance and one bucket", async () => {
    const admin = await signUp(server.url);
    const old = await spendingKey(server.url, admin.token, { costBudget: { maximum: 10, restorePerSecond: 1 }, credits: { remaining: 3 } });
    const rotated = dataOf(
      await gql(
        server.url,
        `mutation($id: ID!) { rotateApiKey(id: $id, gracePeriodSeconds: 3600) { secret apiKey { id } } }`,
        { id: old.id },
        admin.token,
      ),
    ).rotateApiKey;
    const answers = [
      await gql(server.url, VIEWER, {}, old.secret),
      await gql(server.url, VIEWER, {}, rotated.secret),
      await gql(server.url, VIEWER, {}, old.secret),
      await gql(server.url, VIEWER, {}, rotated.secret),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    const fresh = await keyOf(server.url, admin.token, rotated.apiKey.id);
    expect(fresh).toMatchObject({ credits: { remaining: 0 }, costBudget: { currentlyAvailable: 4 } });
    expect((await keyOf(server.url, admin.token, old.id)).credits.remaining).toBe(0);
  });
});

describe("refills happen on time, by the services' clock", () => {
  it("DAILY at 00:00 UTC: Retry-After until then, set not added, lastRefillAt the boundary", async () => {
    clock.set(new Date("2027-02-10T23:59:00.000Z"));
    const admin = await signUp(server.url);
    const key = await spendingKey(server.url, admin.token, { credits: { remaining: 1, refill: { amount: 5, interval: "DAILY" } } });
    expect((await gql(server.url, VIEWER, {}, key.secret)).status).toBe(200);
    const refused = await gql(server.url, VIEWER, {}, key.secret);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("60");
    clock.set(new Date("2027-02-11T00:00:00.000Z"));
    expect((await gql(server.url, VIEWER, {}, key.secret)).status).toBe(200);
    expect((await keyOf(server.url, admin.token, key.id)).credits).toMatchObject({
      remaining: 4,
      lastRefillAt: "2027-02-11T00:00:00.000Z",
    });
  });

  it("a refill sets the balance: a higher balance is lowered to the amount", async () => {
    clock.set(new Date("2027-03-01T10:00:00.000Z"));
    const admin = await signUp(server.url);
    const key = await spendingKey(server.url, admin.token, { credits: { remaining: 50, refill: { amount: 7, interval: "DAILY" } } });
    clock.set(new Date("2027-03-02T00:00:01.000Z"));
    expect((await readLater(admin, key.id)).credits).toMatchObject({ remaining: 7, lastRefillAt: "2027-03-02T00:00:00.000Z" });
  });

  it("MONTHLY on day 31 refills on the last day of a shorter month, once per period, also when no instance ran at the boundary", async () => {
    clock.set(new Date("2027-02-10T12:00:00.000Z"));
    const admin = await signUp(server.url);
    const key = await spendingKey(server.url, admin.token, {
      credits: { remaining: 0, refill: { amount: 3, interval: "MONTHLY", dayOfMonth: 31 } },
    });
    const refused = await gql(server.url, VIEWER, {}, key.secret);
    expect(refused.headers.get("retry-after")).toBe(String(17.5 * 86400));
    clock.set(new Date("2027-02-27T23:59:59.999Z"));
    expect((await gql(server.url, VIEWER, {}, key.secret)).status).toBe(429);
    // Far past the boundary (nothing ran at it): the refill happens at this use, dated at the boundary.
    clock.set(new Date("2027-03-20T08:00:00.000Z"));
    expect((await gql(server.url, VIEWER, {}, key.secret)).status).toBe(200);
    expect((await readLater(admin, key.id)).credits).toMatchObject({ remaining: 2, lastRefillAt: "2027-02-28T00:00:00.000Z" });
    clock.set(new Date("2027-03-31T00:00:00.000Z"));
    expect((await readLater(admin, key.id)).credits).toMatchObject({ remaining: 3, lastRefillAt: "2027-03-31T00:00:00.000Z" });
  });
});
