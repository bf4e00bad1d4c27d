import { dataOf, gql } from "../support/client";
import { expectBadInput, expectForbidden, expectNotFound, expectUnauthenticated } from "../support/assertions";
import { createKey, createMember, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { UsageOutcome } from "../../src/usage/usage-event";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const MEMBERS = `query($first: Int, $after: String) { members(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id email role } } }`;
const EVENT_LOG = `query($apiKeyId: ID, $outcomes: [UsageOutcome!], $first: Int, $after: String) {
  usageEventLog(apiKeyId: $apiKeyId, outcomes: $outcomes, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id apiKeyId occurredAt operationName outcome resources }
  }
}`;
const DAY_MS = 86_400_000;

/** Records one event per outcome given, `stepMs` apart and ending now, and waits for them to be stored. */
async function record(
  workspaceId: string,
  apiKeyId: string,
  outcomes: UsageOutcome[],
  stepMs = 1000,
  endAt = server.clock.now(),
): Promise<void> {
  outcomes.forEach((outcome, i) =>
    server.services.usage.recorder.record({
      workspaceId,
      apiKeyId,
      occurredAt: new Date(endAt.getTime() - (outcomes.length - 1 - i) * stepMs),
      operationType: "query",
      operationName: `Op${i}`,
      outcome,
    }),
  );
  await server.services.usage.recorder.flushAll();
}

describe("members", () => {
  it("lists the workspace's members newest first, page by page, for ADMIN and SECURITY", async () => {
    // The clock is the test's: a second between members orders them by time, not by id.
    const admin = await signUp(server.url);
    server.clock.advance(1000);
    const security = await createMember(server.url, admin.token, "SECURITY");
    server.clock.advance(1000);
    const other = await createMember(server.url, admin.token, "ADMIN");
    const first = dataOf(await gql(server.url, MEMBERS, { first: 2 }, security.token)).members;
    expect(first.totalCount).toBe(3);
    expect(first.nodes.map((m: { id: string }) => m.id)).toEqual([other.memberId, security.memberId]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = dataOf(await gql(server.url, MEMBERS, { first: 2, after: first.pageInfo.endCursor }, admin.token)).members;
    expect(rest.nodes).toEqual([{ id: admin.memberId, email: admin.email, role: "ADMIN" }]);
    expect(rest.pageInfo).toEqual({ hasNextPage: false, endCursor: expect.any(String) });
  });

  it("never shows another workspace's members", async () => {
    const mine = await signUp(server.url);
    const theirs = await signUp(server.url);
    const ids = dataOf(await gql(server.url, MEMBERS, {}, mine.token)).members.nodes.map((m: { id: string }) => m.id);
    expect(ids).toEqual([mine.memberId]);
    expect(ids).not.toContain(theirs.memberId);
  });

  it("refuses a page size out of range and a cursor it did not issue", async () => {
    const admin = await signUp(server.url);
    expectBadInput(await gql(server.url, MEMBERS, { first: 101, after: "not-a-cursor" }, admin.token), ["first", "after"]);
  });

  it("is 401 without a credential and 403 for an API key", async () => {
    const admin = await signUp(server.url);
    const key = await createKey(server.url, admin.token);
    expectUnauthenticated(await gql(server.url, MEMBERS, {}), "MISSING");
    expectForbidden(await gql(server.url, MEMBERS, {}, key.secret));
  });
});

describe("usageEventLog", () => {
  it("returns a key's stored events newest first, page by page, narrowed by outcome", async () => {
    const admin = await signUp(server.url);
    const security = await createMember(server.url, admin.token, "SECURITY");
    const key = await createKey(server.url, admin.token);
    await record(admin.workspaceId, key.id, [UsageOutcome.ALLOWED, UsageOutcome.FORBIDDEN, UsageOutcome.ALLOWED, UsageOutcome.REJECTED]);
    const page1 = dataOf(await gql(server.url, EVENT_LOG, { apiKeyId: key.id, first: 3 }, security.token)).usageEventLog;
    expect(page1.totalCount).toBe(4);
    expect(page1.nodes.map((e: { operationName: string }) => e.operationName)).toEqual(["Op3", "Op2", "Op1"]);
    expect(page1.nodes[0]).toMatchObject({ apiKeyId: key.id, outcome: "REJECTED", resources: [] });
    const page2 = dataOf(
      await gql(server.url, EVENT_LOG, { apiKeyId: key.id, first: 3, after: page1.pageInfo.endCursor }, security.token),
    ).usageEventLog;
    expect(page2.nodes.map((e: { operationName: string }) => e.operationName)).toEqual(["Op0"]);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    const allowed = dataOf(await gql(server.url, EVENT_LOG, { apiKeyId: key.id, outcomes: ["ALLOWED"] }, admin.token)).usageEventLog;
    expect(allowed.nodes.map((e: { operationName: string }) => e.operationName)).toEqual(["Op2", "Op0"]);
  });

  it("leaves out events older than USAGE_RETENTION_DAYS", async () => {
    const admin = await signUp(server.url);
    const key = await createKey(server.url, admin.token);
    const retention = server.config.usageRetentionDays;
    await record(admin.workspaceId, key.id, [UsageOutcome.ALLOWED], 0, new Date(server.clock.now().getTime() - (retention + 1) * DAY_MS));
    await record(admin.workspaceId, key.id, [UsageOutcome.ALLOWED]);
    const log = dataOf(await gql(server.url, EVENT_LOG, { apiKeyId: key.id }, admin.token)).usageEventLog;
    expect(log.totalCount).toBe(1);
    expect(log.nodes).toHaveLength(1);
  });

  it("without a key, lists every key of the workspace and none of another's", async () => {
    const mine = await signUp(server.url);
    const theirs = await signUp(server.url);
    const [a, b] = [await createKey(server.url, mine.token), await createKey(server.url, mine.token)];
    const foreign = await createKey(server.url, theirs.token);
    await record(mine.workspaceId, a.id, [UsageOutcome.ALLOWED]);
    server.clock.advance(1000);
    await record(mine.workspaceId, b.id, [UsageOutcome.ALLOWED]);
    await record(theirs.workspaceId, foreign.id, [UsageOutcome.ALLOWED]);
    const keys = dataOf(await gql(server.url, EVENT_LOG, {}, mine.token)).usageEventLog.nodes.map((e: { apiKeyId: string }) => e.apiKeyId);
    expect(keys).toEqual([b.id, a.id]);
    // Another workspace's key reads exactly like an unknown one.
    expectNotFound(await gql(server.url, EVENT_LOG, { apiKeyId: foreign.id }, mine.token));
  });

  it("refuses a malformed key id, an empty outcome list, a bad page size and a foreign cursor", async () => {
    const admin = await signUp(server.url);
    const response = await gql(server.url, EVENT_LOG, { apiKeyId: "nope", outcomes: [], first: -1, after: "x" }, admin.token);
    expectBadInput(response, ["apiKeyId", "outcomes", "first", "after"]);
  });

  it("is 401 without a credential and 403 for an API key", async () => {
    const admin = await signUp(server.url);
    const key = await createKey(server.url, admin.token);
    expectUnauthenticated(await gql(server.url, EVENT_LOG, {}), "MISSING");
    expectForbidden(await gql(server.url, EVENT_LOG, {}, key.secret));
  });
});
