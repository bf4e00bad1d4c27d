import { createHash } from "node:crypto";
import { dataOf, errorOf, gql, GqlResponse } from "../support/client";
import { expectBadInput, expectForbidden } from "../support/assertions";
import { createKey, createMember, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";

// Contract section 12: the workspace policy for keys.
const POLICY = `query { workspacePolicy { maxKeyLifetimeDays requireExpiry requireAllowedCidrs requireTrustedOperations } }`;
const SET = `mutation($input: WorkspacePolicyInput!) { updateWorkspacePolicy(input: $input) { maxKeyLifetimeDays requireExpiry requireAllowedCidrs requireTrustedOperations } }`;
const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id policyViolations } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateApiKeyInput!) { updateApiKey(id: $id, input: $input) { id policyViolations } }`;
const ROTATE = `mutation($id: ID!) { rotateApiKey(id: $id) { apiKey { id } } }`;
const REVOKE = `mutation($id: ID!) { revokeApiKey(id: $id) { status policyViolations } }`;
const KEY = `query($id: ID!) { apiKey(id: $id) { status policyViolations } }`;
const VIEWER = `query Viewer { viewer { kind } }`;
const DAY = 86_400_000;
const NONE = { maxKeyLifetimeDays: null, requireExpiry: false, requireAllowedCidrs: false, requireTrustedOperations: false };
const READ = [{ resource: "CALLS", read: true }];
const viewerId = `sha256:${createHash("sha256").update(VIEWER).digest("hex")}`;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

/** A workspace of its own for each test: policies are workspace-wide. */
async function workspace() {
  const admin = await signUp(server.url, "Policy");
  dataOf(await gql(server.url, `mutation($d: [String!]!) { addTrustedOperations(documents: $d) { id } }`, { d: [VIEWER] }, admin.token));
  return admin;
}
const inDays = (days: number) => new Date(server.clock.now().getTime() + days * DAY).toISOString();
const setPolicy = (token: string, input: Record<string, unknown>) => gql(server.url, SET, { input }, token);
const create = (token: string, input: Record<string, unknown>) =>
  gql(server.url, CREATE, { input: { name: "K", permissions: READ, ...input } }, token);

function expectPolicyRefusal(response: GqlResponse, field: string, policy: string) {
  expectBadInput(response, [field]);
  expect(errorOf(response).extensions?.policy).toBe(policy);
}

describe("workspacePolicy and updateWorkspacePolicy", () => {
  it("a new workspace demands nothing; ADMIN changes only the fields given; SECURITY reads it but may not change it", async () => {
    const admin = await workspace();
    expect(dataOf(await gql(server.url, POLICY, {}, admin.token)).workspacePolicy).toEqual(NONE);
    expect(dataOf(await setPolicy(admin.token, { requireExpiry: true, maxKeyLifetimeDays: 90 })).updateWorkspacePolicy).toEqual({
      ...NONE,
      requireExpiry: true,
      maxKeyLifetimeDays: 90,
    });
    expect(dataOf(await setPolicy(admin.token, { maxKeyLifetimeDays: null })).updateWorkspacePolicy).toEqual({
      ...NONE,
      requireExpiry: true,
    });
    const security = await createMember(server.url, admin.token, "SECURITY");
    expect(dataOf(await gql(server.url, POLICY, {}, security.token)).workspacePolicy).toEqual({ ...NONE, requireExpiry: true });
    expectForbidden(await setPolicy(security.token, { requireExpiry: false }));
    const key = await createKey(server.url, admin.token, READ, { expiresAt: inDays(10) });
    expectForbidden(await gql(server.url, POLICY, {}, key.secret));
  });

  it("each change is audited with { from, to }", async () => {
    const admin = await workspace();
    dataOf(await setPolicy(admin.token, { requireAllowedCidrs: true }));
    const [entry] = await server.dataSource.query(
      `SELECT details, actor_id FROM audit_entry WHERE workspace_id = $1 AND action = 'WORKSPACE_POLICY_UPDATED'`,
      [admin.workspaceId],
    );
    expect(entry).toEqual({ actor_id: admin.memberId, details: { from: NONE, to: { ...NONE, requireAllowedCidrs: true } } });
  });

  it.each([
    ["maxKeyLifetimeDays 0", { maxKeyLifetimeDays: 0 }, "input.maxKeyLifetimeDays"],
    ["maxKeyLifetimeDays 3651", { maxKeyLifetimeDays: 3651 }, "input.maxKeyLifetimeDays"],
    ["requireExpiry null", { requireExpiry: null }, "input.requireExpiry"],
    ["requireAllowedCidrs null", { requireAllowedCidrs: null }, "input.requireAllowedCidrs"],
    ["requireTrustedOperations null", { requireTrustedOperations: null }, "input.requireTrustedOperations"],
  ])("%s is BAD_USER_INPUT naming the field, and nothing changes", async (_t, input, field) => {
    const admin = await workspace();
    expectBadInput(await setPolicy(admin.token, { requireExpiry: true, ...input }), [field]);
    expect(dataOf(await gql(server.url, POLICY, {}, admin.token)).workspacePolicy).toEqual(NONE);
  });
});

describe("key operations the policy forbids are refused, naming the field and the policy", () => {
  it.each([
    ["requireExpiry: a key without expiry", { requireExpiry: true }, {}, "input.expiresAt", "requireExpiry"],
    [
      "maxKeyLifetimeDays: a key living longer",
      { maxKeyLifetimeDays: 30 },
      { expiresAt: inDaysLater(31) },
      "input.expiresAt",
      "maxKeyLifetimeDays",
    ],
    ["maxKeyLifetimeDays: a key without expiry", { maxKeyLifetimeDays: 30 }, {}, "input.expiresAt", "maxKeyLifetimeDays"],
    [
      "requireAllowedCidrs: a key without allowed addresses",
      { requireAllowedCidrs: true },
      {},
      "input.allowedCidrs",
      "requireAllowedCidrs",
    ],
    [
      "requireTrustedOperations: a key without trusted operations",
      { requireTrustedOperations: true },
      {},
      "input.trustedOperationIds",
      "requireTrustedOperations",
    ],
  ])("createApiKey, %s", async (_t, policy, input, field, name) => {
    const admin = await workspace();
    dataOf(await setPolicy(admin.token, policy));
    expectPolicyRefusal(await create(admin.token, resolve(input)), field, name);
  });

  it("createApiKey within every policy succeeds and the key breaks none", async () => {
    const admin = await workspace();
    dataOf(
      await setPolicy(admin.token, {
        maxKeyLifetimeDays: 30,
        requireExpiry: true,
        requireAllowedCidrs: true,
        requireTrustedOperations: true,
      }),
    );
    const created = dataOf(
      await create(admin.token, { expiresAt: inDays(30), allowedCidrs: ["203.0.113.0/24"], trustedOperationIds: [viewerId] }),
    ).createApiKey;
    expect(created.apiKey.policyViolations).toEqual([]);
  });

  it("updateApiKey is refused for the fields it sets, and left alone for the others", async () => {
    const admin = await workspace();
    const id = dataOf(await create(admin.token, {})).createApiKey.apiKey.id;
    dataOf(await setPolicy(admin.token, { maxKeyLifetimeDays: 30, requireAllowedCidrs: true }));
    // A name change sets no field the policy reads: the key keeps its violations and changes.
    expect(dataOf(await gql(server.url, UPDATE, { id, input: { name: "Renamed" } }, admin.token)).updateApiKey.policyViolations).toEqual([
      "maxKeyLifetimeDays",
      "requireAllowedCidrs",
    ]);
    expectPolicyRefusal(
      await gql(server.url, UPDATE, { id, input: { expiresAt: inDays(31) } }, admin.token),
      "input.expiresAt",
      "maxKeyLifetimeDays",
    );
    expectPolicyRefusal(
      await gql(server.url, UPDATE, { id, input: { allowedCidrs: null } }, admin.token),
      "input.allowedCidrs",
      "requireAllowedCidrs",
    );
    const fixed = dataOf(await gql(server.url, UPDATE, { id, input: { expiresAt: inDays(29) } }, admin.token)).updateApiKey;
    expect(fixed.policyViolations).toEqual(["requireAllowedCidrs"]);
  });

  it("rotateApiKey is checked as a create of the new key; revocation is never blocked", async () => {
    const admin = await workspace();
    const id = dataOf(await create(admin.token, {})).createApiKey.apiKey.id;
    dataOf(await setPolicy(admin.token, { requireExpiry: true }));
    expectPolicyRefusal(await gql(server.url, ROTATE, { id }, admin.token), "expiresAt", "requireExpiry");
    expect(dataOf(await gql(server.url, REVOKE, { id }, admin.token)).revokeApiKey).toEqual({ status: "REVOKED", policyViolations: [] });
  });

  it("keys made before a stricter policy keep working and list, sorted, the policies they break; other keys list none", async () => {
    const admin = await workspace();
    const key = await createKey(server.url, admin.token, READ);
    dataOf(
      await setPolicy(admin.token, {
        requireTrustedOperations: true,
        requireExpiry: true,
        maxKeyLifetimeDays: 10,
        requireAllowedCidrs: true,
      }),
    );
    expect(dataOf(await gql(server.url, VIEWER, {}, key.secret)).viewer.kind).toBe("API_KEY");
    expect(dataOf(await gql(server.url, KEY, { id: key.id }, admin.token)).apiKey.policyViolations).toEqual([
      "maxKeyLifetimeDays",
      "requireAllowedCidrs",
      "requireExpiry",
      "requireTrustedOperations",
    ]);
    dataOf(await gql(server.url, REVOKE, { id: key.id }, admin.token));
    expect(dataOf(await gql(server.url, KEY, { id: key.id }, admin.token)).apiKey).toEqual({ status: "REVOKED", policyViolations: [] });
  });
});

/** A date `days` from the server's clock, computed when the case runs (it.each tables are built before the server starts). */
function inDaysLater(days: number): () => string {
  return () => inDays(days);
}
function resolve(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, typeof v === "function" ? v() : v]));
}
