import { dataOf, firstRefusal, gql } from "../support/client";
import { expectBadInput, expectForbidden, expectNotFound, expectUnauthenticated } from "../support/assertions";
import { createKey, createMember, signUp, SignedUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";

let server: TestServer;
let admin: SignedUp;
beforeAll(async () => {
  server = await startTestServer();
  admin = await signUp(server.url);
});
afterAll(() => server.stop());

const KEY_FIELDS = `id name prefix status permissions { resource read write } expiresAt createdAt createdBy { id } revokedAt revokedBy { id } revocationReason lastUsedAt usage { last24h last7d last30d } rotatedFromId rotatedToId`;
const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { ${KEY_FIELDS} } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateApiKeyInput!) { updateApiKey(id: $id, input: $input) { ${KEY_FIELDS} } }`;
const REVOKE = `mutation($id: ID!, $reason: String) { revokeApiKey(id: $id, reason: $reason) { ${KEY_FIELDS} } }`;
const ROTATE = `mutation($id: ID!, $grace: Int) { rotateApiKey(id: $id, gracePeriodSeconds: $grace) { secret apiKey { ${KEY_FIELDS} } } }`;
const GET = `query($id: ID!) { apiKey(id: $id) { ${KEY_FIELDS} } }`;
// Tests only ever move the clock forward: audit entries and keys are ordered by the times it gives.
const LIST = `query($status: [ApiKeyStatus!], $first: Int, $after: String) { apiKeys(status: $status, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id name status } } nodes { id } } }`;
const VIEWER = "{ viewer { kind apiKey { id } } }";
const later = (ms: number) => new Date(server.clock.now().getTime() + ms).toISOString();
// Scoped to this file's admin workspace: other test files write keys to the same database at the same time.
const keyRows = async () =>
  Number((await server.dataSource.query("SELECT count(*) AS n FROM api_key WHERE workspace_id = $1", [admin.workspaceId]))[0].n);
const grantRows = async () =>
  Number(
    (
      await server.dataSource.query(
        "SELECT count(*) AS n FROM api_key_grant g JOIN api_key k ON k.id = g.api_key_id WHERE k.workspace_id = $1",
        [admin.workspaceId],
      )
    )[0].n,
  );

describe("createApiKey", () => {
  it("creates a key with name, expiry and grants, returns the secret once, and stores only its SHA-256", async () => {
    const expiresAt = later(86400_000);
    const data = dataOf(
      await gql(
        server.url,
        CREATE,
        {
          input: {
            name: "  Production Backend  ",
            expiresAt,
            permissions: [
              { resource: "LEADS", write: true },
              { resource: "CALLS", read: true, write: true },
              { resource: "ANALYTICS", read: true },
            ],
          },
        },
        admin.token,
      ),
    );
    const { secret, apiKey } = data.createApiKey;
    expect(secret).toMatch(/^gqk_[0-9A-Za-z]{38}$/);
    expect(apiKey).toMatchObject({
      name: "Production Backend",
      prefix: secret.slice(4, 12),
      status: "ACTIVE",
      expiresAt,
      createdBy: { id: admin.memberId },
      revokedAt: null,
      lastUsedAt: null,
      usage: { last24h: 0, last7d: 0, last30d: 0 },
      permissions: [
        { resource: "CALLS", read: true, write: true },
        { resource: "LEADS", read: false, write: true },
        { resource: "ANALYTICS", read: true, write: false },
      ],
    });
    const rows = await server.dataSource.query("SELECT * FROM api_key WHERE id = $1", [apiKey.id]);
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(JSON.stringify(rows)).not.toContain(secret.slice(4));
    expect(rows[0].digest).toBe(require("node:crypto").createHash("sha256").update(secret).digest("hex"));
    // The secret is never readable again.
    const again = dataOf(await gql(server.url, GET, { id: apiKey.id }, admin.token));
    expect(JSON.stringify(again)).not.toContain(secret);
  });

  it.each([
    ["an empty name", { name: "  " }, ["input.name"]],
    ["a name over 100 characters", { name: "n".repeat(101) }, ["input.name"]],
    ["an expiry in the past", { expiresAt: "2000-01-01T00:00:00Z" }, ["input.expiresAt"]],
    ["no grant", { permissions: [] }, ["input.permissions"]],
    ["a grant of nothing", { permissions: [{ resource: "CALLS" }] }, ["input.permissions"]],
    [
      "a resource twice",
      {
        permissions: [
          { resource: "CALLS", read: true },
          { resource: "CALLS", write: true },
        ],
      },
      ["input.permissions"],
    ],
    ["write on analytics", { permissions: [{ resource: "ANALYTICS", read: true, write: true }] }, ["input.permissions"]],
    [
      "several bad fields at once",
      { name: "", expiresAt: "1999-12-31T23:59:59Z", permissions: [] },
      ["input.name", "input.expiresAt", "input.permissions"],
    ],
  ])("refuses %s with BAD_USER_INPUT naming the field, and writes nothing", async (_case, override, fields) => {
    const before = [await keyRows(), await grantRows()];
    const input = { name: "Valid", permissions: [{ resource: "CALLS", read: true }], ...override };
    expectBadInput(await gql(server.url, CREATE, { input }, admin.token), fields);
    expect([await keyRows(), await grantRows()]).toEqual(before);
  });

  it("says analytics is read-only when write is asked for it", async () => {
    const response = await gql(
      server.url,
      CREATE,
      { input: { name: "A", permissions: [{ resource: "ANALYTICS", write: true }] } },
      admin.token,
    );
    expect(response.body.errors?.[0].extensions?.fields[0].message).toMatch(/analytics is read-only/);
  });

  it("refuses an unknown resource or a malformed date before anything runs", async () => {
    const before = await keyRows();
    const badEnum = await gql(
      server.url,
      CREATE,
      { input: { name: "A", permissions: [{ resource: "BILLING", read: true }] } },
      admin.token,
    );
    const badDate = await gql(
      server.url,
      CREATE,
      { input: { name: "A", expiresAt: "tomorrow", permissions: [{ resource: "CALLS", read: true }] } },
      admin.token,
    );
    for (const response of [badEnum, badDate]) {
      expect(response.status).toBe(400);
      expect(response.body.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    }
    expect(await keyRows()).toBe(before);
  });

  it("is for ADMINs: 401 without a token, 403 for SECURITY and for API keys", async () => {
    const security = await createMember(server.url, admin.token, "SECURITY");
    const key = await createKey(server.url, admin.token);
    const input = { input: { name: "X", permissions: [{ resource: "CALLS", read: true }] } };
    expectUnauthenticated(await gql(server.url, CREATE, input), "MISSING");
    expectForbidden(await gql(server.url, CREATE, input, security.token));
    expectForbidden(await gql(server.url, CREATE, input, key.secret));
  });
});

describe("authentication with a key", () => {
  it("a valid key authenticates as itself", async () => {
    const key = await createKey(server.url, admin.token);
    expect(dataOf(await gql(server.url, VIEWER, {}, key.secret)).viewer).toEqual({ kind: "API_KEY", apiKey: { id: key.id } });
  });

  it("a key with a wrong checksum is MALFORMED, refused without a database look-up", async () => {
    const key = await createKey(server.url, admin.token);
    const last = key.secret[41] === "0" ? "1" : "0";
    const tampered = key.secret.slice(0, 41) + last;
    let statements = 0;
    const pool = (
      server.dataSource.driver as unknown as {
        master: { on: (event: string, listener: () => void) => void; off: (event: string, listener: () => void) => void };
      }
    ).master;
    const count = () => statements++;
    pool.on("acquire", count);
    try {
      expectUnauthenticated(await gql(server.url, VIEWER, {}, tampered), "MALFORMED");
      expectUnauthenticated(await gql(server.url, VIEWER, {}, "gqk_short"), "MALFORMED");
    } finally {
      pool.off("acquire", count);
    }
    expect(statements).toBe(0);
  });

  it("an unknown well-formed key is INVALID", async () => {
    const { issueApiKeySecret } = await import("../../src/auth/token");
    expectUnauthenticated(await gql(server.url, VIEWER, {}, issueApiKeySecret().secret), "INVALID");
  });

  it("a key is EXPIRED from the instant of its expiry, not a request later", async () => {
    const expiresAt = new Date(server.clock.now().getTime() + 60_000);
    const key = await createKey(server.url, admin.token, [{ resource: "CALLS", read: true }], { expiresAt: expiresAt.toISOString() });
    server.clock.set(new Date(expiresAt.getTime() - 1));
    dataOf(await gql(server.url, VIEWER, {}, key.secret));
    server.clock.set(expiresAt);
    expectUnauthenticated(await gql(server.url, VIEWER, {}, key.secret), "EXPIRED");
    const listed = dataOf(await gql(server.url, GET, { id: key.id }, admin.token));
    expect(listed.apiKey.status).toBe("EXPIRED");
  });

  it("a revoked key is refused on the very next request (REVOKED)", async () => {
    const key = await createKey(server.url, admin.token);
    dataOf(await gql(server.url, VIEWER, {}, key.secret)); // now cached as valid
    dataOf(await gql(server.url, REVOKE, { id: key.id }, admin.token));
    expectUnauthenticated(await gql(server.url, VIEWER, {}, key.secret), "REVOKED");
  });

  it("a revocation made by another process (the CLI) is refused within the 1 s cache lifetime", async () => {
    const key = await createKey(server.url, admin.token);
    dataOf(await gql(server.url, VIEWER, {}, key.secret));
    const revokedAt = performance.now();
    await server.dataSource.query("UPDATE api_key SET revoked_at = now() WHERE id = $1", [key.id]);
    const { response, sentAfterMs } = await firstRefusal(server.url, VIEWER, key.secret, revokedAt);
    expectUnauthenticated(response, "REVOKED");
    expect(sentAfterMs).toBeLessThanOrEqual(1000);
  });

  it.each([
    ["Basic dXNlcjpwYXNz", "MALFORMED"],
    ["Bearer", "MISSING"],
    ["Bearer gqs_tooShort", "MALFORMED"],
    ["Token abc", "MALFORMED"],
  ])("the header %j gives %s", async (header, reason) => {
    expectUnauthenticated(await gql(server.url, VIEWER, {}, undefined, { authorization: header }), reason);
  });
});

describe("updateApiKey", () => {
  it("changes only what is given, replaces grants, removes the expiry with null, and audits the change", async () => {
    const key = await createKey(server.url, admin.token, [{ resource: "CALLS", read: true }], { expiresAt: later(3600_000) });
    const renamed = dataOf(await gql(server.url, UPDATE, { id: key.id, input: { name: "Renamed" } }, admin.token)).updateApiKey;
    expect(renamed).toMatchObject({ name: "Renamed", permissions: [{ resource: "CALLS", read: true, write: false }] });
    expect(renamed.expiresAt).not.toBeNull();
    const regranted = dataOf(
      await gql(
        server.url,
        UPDATE,
        { id: key.id, input: { permissions: [{ resource: "AGENTS", write: true }], expiresAt: null } },
        admin.token,
      ),
    ).updateApiKey;
    expect(regranted).toMatchObject({ name: "Renamed", expiresAt: null, permissions: [{ resource: "AGENTS", read: false, write: true }] });
    const log = dataOf(await gql(server.url, "{ auditLog(first: 1) { nodes { action targetId details } } }", {}, admin.token)).auditLog
      .nodes[0];
    expect(log).toMatchObject({ action: "API_KEY_UPDATED", targetId: key.id });
    expect(log.details.changes.permissions.to).toEqual([{ resource: "agents", read: false, write: true }]);
  });

  it("new grants hold on the key's very next request", async () => {
    const CALLS = "{ calls(first: 1) { totalCount } }";
    const LEADS = "{ leads(first: 1) { totalCount } }";
    const key = await createKey(server.url, admin.token, [{ resource: "CALLS", read: true }]);
    dataOf(await gql(server.url, CALLS, {}, key.secret)); // the key and its grants are now cached
    expectForbidden(await gql(server.url, LEADS, {}, key.secret), ["leads:read"]);
    dataOf(await gql(server.url, UPDATE, { id: key.id, input: { permissions: [{ resource: "LEADS", read: true }] } }, admin.token));
    dataOf(await gql(server.url, LEADS, {}, key.secret));
    expectForbidden(await gql(server.url, CALLS, {}, key.secret), ["calls:read"]);
  });

  it("refuses bad input naming each field and writes nothing", async () => {
    const key = await createKey(server.url, admin.token);
    const before = await server.dataSource.query("SELECT name, expires_at FROM api_key WHERE id = $1", [key.id]);
    expectBadInput(
      await gql(
        server.url,
        UPDATE,
        { id: key.id, input: { name: "", expiresAt: "2001-01-01T00:00:00Z", permissions: [{ resource: "ANALYTICS", write: true }] } },
        admin.token,
      ),
      ["input.name", "input.expiresAt", "input.permissions"],
    );
    expectBadInput(await gql(server.url, UPDATE, { id: key.id, input: { permissions: null } }, admin.token), ["input.permissions"]);
    expect(await server.dataSource.query("SELECT name, expires_at FROM api_key WHERE id = $1", [key.id])).toEqual(before);
  });

  it("refuses a revoked or expired key with BAD_USER_INPUT: nothing makes it usable again", async () => {
    const revoked = await createKey(server.url, admin.token);
    dataOf(await gql(server.url, REVOKE, { id: revoked.id }, admin.token));
    expectBadInput(await gql(server.url, UPDATE, { id: revoked.id, input: { name: "again" } }, admin.token), ["id"]);
    const expiring = await createKey(server.url, admin.token, [{ resource: "CALLS", read: true }], { expiresAt: later(1000) });
    server.clock.advance(1000);
    expectBadInput(await gql(server.url, UPDATE, { id: expiring.id, input: { expiresAt: later(3600_000) } }, admin.token), ["id"]);
  });

  it("is NOT_FOUND for an unknown id or a non-UUID, and for ADMINs only", async () => {
    expectNotFound(await gql(server.url, UPDATE, { id: "00000000-0000-4000-8000-000000000000", input: { name: "x" } }, admin.token));
    expectNotFound(await gql(server.url, UPDATE, { id: "not-a-uuid", input: { name: "x" } }, admin.token));
    const security = await createMember(server.url, admin.token, "SECURITY");
    const key = await createKey(server.url, admin.token);
    expectUnauthenticated(await gql(server.url, UPDATE, { id: key.id, input: { name: "x" } }), "MISSING");
    expectForbidden(await gql(server.url, UPDATE, { id: key.id, input: { name: "x" } }, security.token));
    expectForbidden(await gql(server.url, UPDATE, { id: key.id, input: { name: "x" } }, key.secret));
  });
});

describe("revokeApiKey", () => {
  it("is permanent and idempotent: a second revocation keeps the first time, member and reason", async () => {
    const key = await createKey(server.url, admin.token);
    const security = await createMember(server.url, admin.token, "SECURITY");
    const first = dataOf(await gql(server.url, REVOKE, { id: key.id, reason: "  laptop lost  " }, security.token)).revokeApiKey;
    expect(first).toMatchObject({ status: "REVOKED", revokedBy: { id: security.memberId }, revocationReason: "laptop lost" });
    server.clock.advance(5000);
    const second = dataOf(await gql(server.url, REVOKE, { id: key.id, reason: "other" }, admin.token)).revokeApiKey;
    expect(second).toMatchObject({
      status: "REVOKED",
      revokedAt: first.revokedAt,
      revokedBy: { id: security.memberId },
      revocationReason: "laptop lost",
    });
    const entries = dataOf(await gql(server.url, "{ auditLog(first: 50) { nodes { action targetId } } }", {}, admin.token)).auditLog.nodes;
    expect(
      entries.filter((e: { action: string; targetId: string }) => e.action === "API_KEY_REVOKED" && e.targetId === key.id),
    ).toHaveLength(1);
  });

  it("refuses a reason over 500 characters and writes nothing", async () => {
    const key = await createKey(server.url, admin.token);
    expectBadInput(await gql(server.url, REVOKE, { id: key.id, reason: "r".repeat(501) }, admin.token), ["reason"]);
    expect(dataOf(await gql(server.url, GET, { id: key.id }, admin.token)).apiKey.status).toBe("ACTIVE");
  });

  it("is NOT_FOUND for an unknown id; 401 without a token; 403 for an API key", async () => {
    const key = await createKey(server.url, admin.token);
    expectNotFound(await gql(server.url, REVOKE, { id: "00000000-0000-4000-8000-000000000000" }, admin.token));
    expectUnauthenticated(await gql(server.url, REVOKE, { id: key.id }), "MISSING");
    expectForbidden(await gql(server.url, REVOKE, { id: key.id }, key.secret));
  });
});

describe("rotateApiKey", () => {
  it("with no grace period issues a new key with the same name, grants and expiry and revokes the old one at once", async () => {
    const expiresAt = later(7 * 86400_000);
    const old = await createKey(server.url, admin.token, [{ resource: "LEADS", read: true, write: true }], { expiresAt });
    const rotated = dataOf(await gql(server.url, ROTATE, { id: old.id }, admin.token)).rotateApiKey;
    expect(rotated.secret).not.toBe(old.secret);
    expect(rotated.apiKey).toMatchObject({
      name: "Test key",
      expiresAt,
      status: "ACTIVE",
      rotatedFromId: old.id,
      permissions: [{ resource: "LEADS", read: true, write: true }],
    });
    expectUnauthenticated(await gql(server.url, VIEWER, {}, old.secret), "REVOKED");
    expect(dataOf(await gql(server.url, VIEWER, {}, rotated.secret)).viewer.apiKey.id).toBe(rotated.apiKey.id);
    const oldNow = dataOf(await gql(server.url, GET, { id: old.id }, admin.token)).apiKey;
    expect(oldNow).toMatchObject({ status: "REVOKED", rotatedToId: rotated.apiKey.id, revocationReason: "rotated" });
  });

  it("with a grace period keeps the old key working until now + grace, then it reads EXPIRED", async () => {
    const old = await createKey(server.url, admin.token);
    const rotated = dataOf(await gql(server.url, ROTATE, { id: old.id, grace: 3600 }, admin.token)).rotateApiKey;
    server.clock.advance(3600_000 - 1);
    dataOf(await gql(server.url, VIEWER, {}, old.secret));
    server.clock.advance(1);
    expectUnauthenticated(await gql(server.url, VIEWER, {}, old.secret), "EXPIRED");
    expect(dataOf(await gql(server.url, GET, { id: old.id }, admin.token)).apiKey.status).toBe("EXPIRED");
    dataOf(await gql(server.url, VIEWER, {}, rotated.secret));
  });

  it.each([
    ["removing its expiry", null],
    ["moving its expiry past the grace period", 7200_000],
  ])("a key in its rotation grace period: updateApiKey refuses %s, field input.expiresAt, and changes nothing", async (_case, extend) => {
    const old = await createKey(server.url, admin.token);
    dataOf(await gql(server.url, ROTATE, { id: old.id, grace: 3600 }, admin.token));
    const graceEnd = dataOf(await gql(server.url, GET, { id: old.id }, admin.token)).apiKey.expiresAt;
    const expiresAt = extend === null ? null : later(extend);
    expectBadInput(await gql(server.url, UPDATE, { id: old.id, input: { expiresAt } }, admin.token), ["input.expiresAt"]);
    expect(dataOf(await gql(server.url, GET, { id: old.id }, admin.token)).apiKey.expiresAt).toBe(graceEnd);
    server.clock.advance(3600_000);
    expectUnauthenticated(await gql(server.url, VIEWER, {}, old.secret), "EXPIRED");
  });

  it("lets a key in its rotation grace period end sooner", async () => {
    const old = await createKey(server.url, admin.token);
    dataOf(await gql(server.url, ROTATE, { id: old.id, grace: 3600 }, admin.token));
    const sooner = later(600_000);
    expect(dataOf(await gql(server.url, UPDATE, { id: old.id, input: { expiresAt: sooner } }, admin.token)).updateApiKey.expiresAt).toBe(
      sooner,
    );
    server.clock.advance(600_000);
    expectUnauthenticated(await gql(server.url, VIEWER, {}, old.secret), "EXPIRED");
  });

  it("is audited with both prefixes and never the secret", async () => {
    const old = await createKey(server.url, admin.token);
    const rotated = dataOf(await gql(server.url, ROTATE, { id: old.id, grace: 60 }, admin.token)).rotateApiKey;
    const entry = dataOf(await gql(server.url, "{ auditLog(first: 1) { nodes { action targetId details } } }", {}, admin.token)).auditLog
      .nodes[0];
    expect(entry).toMatchObject({
      action: "API_KEY_ROTATED",
      targetId: old.id,
      details: { newKeyId: rotated.apiKey.id, gracePeriodSeconds: 60, oldPrefix: old.prefix },
    });
    expect(JSON.stringify(entry)).not.toContain(rotated.secret);
  });

  it.each([[-1], [604801]])("refuses a grace period of %p seconds and writes nothing", async (grace) => {
    const old = await createKey(server.url, admin.token);
    const before = await keyRows();
    expectBadInput(await gql(server.url, ROTATE, { id: old.id, grace }, admin.token), ["gracePeriodSeconds"]);
    expect(await keyRows()).toBe(before);
  });

  it("refuses a revoked key and a key already rotated", async () => {
    const revoked = await createKey(server.url, admin.token);
    dataOf(await gql(server.url, REVOKE, { id: revoked.id }, admin.token));
    expectBadInput(await gql(server.url, ROTATE, { id: revoked.id }, admin.token), ["id"]);
    const graced = await createKey(server.url, admin.token);
    dataOf(await gql(server.url, ROTATE, { id: graced.id, grace: 600 }, admin.token));
    expectBadInput(await gql(server.url, ROTATE, { id: graced.id, grace: 600 }, admin.token), ["id"]);
  });

  it("is for ADMINs: 401, 403 for SECURITY and API keys, NOT_FOUND for unknown ids", async () => {
    const key = await createKey(server.url, admin.token);
    const security = await createMember(server.url, admin.token, "SECURITY");
    expectUnauthenticated(await gql(server.url, ROTATE, { id: key.id }), "MISSING");
    expectForbidden(await gql(server.url, ROTATE, { id: key.id }, security.token));
    expectForbidden(await gql(server.url, ROTATE, { id: key.id }, key.secret));
    expectNotFound(await gql(server.url, ROTATE, { id: "00000000-0000-4000-8000-000000000000" }, admin.token));
  });
});

describe("apiKeys and apiKey", () => {
  it("lists newest first, filters the live list from the Revoked / Expired section, and pages with cursors", async () => {
    const owner = await signUp(server.url);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      server.clock.advance(1000);
      ids.push(
        (await createKey(server.url, owner.token, [{ resource: "CALLS", read: true }], i === 4 ? { expiresAt: later(500) } : {})).id,
      );
    }
    dataOf(await gql(server.url, REVOKE, { id: ids[1] }, owner.token));
    server.clock.advance(1000); // ids[4] is now expired
    const all = dataOf(await gql(server.url, LIST, {}, owner.token)).apiKeys;
    expect(all.nodes.map((n: { id: string }) => n.id)).toEqual([...ids].reverse());
    expect(all.totalCount).toBe(5);
    const live = dataOf(await gql(server.url, LIST, { status: ["ACTIVE"] }, owner.token)).apiKeys;
    expect(live.nodes.map((n: { id: string }) => n.id)).toEqual([ids[3], ids[2], ids[0]]);
    const dead = dataOf(await gql(server.url, LIST, { status: ["REVOKED", "EXPIRED"] }, owner.token)).apiKeys;
    expect(dead.edges.map((e: { node: { id: string; status: string } }) => [e.node.id, e.node.status])).toEqual([
      [ids[4], "EXPIRED"],
      [ids[1], "REVOKED"],
    ]);
    const page1 = dataOf(await gql(server.url, LIST, { first: 2 }, owner.token)).apiKeys;
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = dataOf(await gql(server.url, LIST, { first: 2, after: page1.pageInfo.endCursor }, owner.token)).apiKeys;
    const page3 = dataOf(await gql(server.url, LIST, { first: 2, after: page2.pageInfo.endCursor }, owner.token)).apiKeys;
    expect([...page1.nodes, ...page2.nodes, ...page3.nodes].map((n: { id: string }) => n.id)).toEqual([...ids].reverse());
    expect(page3.pageInfo.hasNextPage).toBe(false);
    expect(page3.totalCount).toBe(5);
  });

  it("refuses a forged cursor and a page size out of 0–100", async () => {
    expectBadInput(await gql(server.url, LIST, { after: "bm90IGEgY3Vyc29y" }, admin.token), ["after"]);
    expectBadInput(await gql(server.url, LIST, { first: 101 }, admin.token), ["first"]);
    expectBadInput(await gql(server.url, LIST, { first: -1 }, admin.token), ["first"]);
  });

  it("a SECURITY member reads keys; an API key may not list keys; no token is 401", async () => {
    const security = await createMember(server.url, admin.token, "SECURITY");
    const key = await createKey(server.url, admin.token);
    expect(dataOf(await gql(server.url, GET, { id: key.id }, security.token)).apiKey.id).toBe(key.id);
    expectForbidden(await gql(server.url, LIST, {}, key.secret));
    expectForbidden(await gql(server.url, GET, { id: key.id }, key.secret));
    expectUnauthenticated(await gql(server.url, LIST, {}), "MISSING");
  });

  it("apiKey is null for an unknown id or a non-UUID", async () => {
    expect(dataOf(await gql(server.url, GET, { id: "00000000-0000-4000-8000-000000000000" }, admin.token)).apiKey).toBeNull();
    expect(dataOf(await gql(server.url, GET, { id: "'; DROP TABLE api_key; --" }, admin.token)).apiKey).toBeNull();
  });
});

describe("workspace isolation", () => {
  it("another workspace's keys are absent for every key operation", async () => {
    const other = await signUp(server.url, "Other Co");
    const theirs = await createKey(server.url, other.token);
    expect(dataOf(await gql(server.url, GET, { id: theirs.id }, admin.token)).apiKey).toBeNull();
    const mine = dataOf(await gql(server.url, LIST, { first: 100 }, admin.token)).apiKeys.nodes.map((n: { id: string }) => n.id);
    expect(mine).not.toContain(theirs.id);
    expectNotFound(await gql(server.url, UPDATE, { id: theirs.id, input: { name: "hijack" } }, admin.token));
    expectNotFound(await gql(server.url, REVOKE, { id: theirs.id }, admin.token));
    expectNotFound(await gql(server.url, ROTATE, { id: theirs.id }, admin.token));
    const log = dataOf(await gql(server.url, "{ auditLog(first: 100) { nodes { targetId } } }", {}, admin.token)).auditLog.nodes;
    expect(log.map((e: { targetId: string }) => e.targetId)).not.toContain(theirs.id);
    // Untouched on their side.
    expect(dataOf(await gql(server.url, GET, { id: theirs.id }, other.token)).apiKey).toMatchObject({ name: "Test key", status: "ACTIVE" });
  });
});

describe("secrets", () => {
  it("no issued key or session secret appears in the server's log output", async () => {
    const owner = await signUp(server.url);
    const key = await createKey(server.url, owner.token);
    const rotated = dataOf(await gql(server.url, ROTATE, { id: key.id, grace: 60 }, owner.token)).rotateApiKey;
    await gql(server.url, VIEWER, {}, key.secret);
    await gql(server.url, VIEWER, {}, rotated.secret);
    await gql(server.url, "{ nope }", {}, rotated.secret);
    const logs = server.logs();
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [owner.token, key.secret, rotated.secret]) {
      expect(logs).not.toContain(secret);
      expect(logs).not.toContain(secret.slice(4));
    }
    expect(logs).toContain(key.prefix);
  });

  it("the database holds only digests: no secret or password in any row of any table", async () => {
    const owner = await signUp(server.url);
    const key = await createKey(server.url, owner.token);
    const tables: { table_name: string }[] = await server.dataSource.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    let dump = "";
    for (const { table_name } of tables) dump += JSON.stringify(await server.dataSource.query(`SELECT * FROM "${table_name}"`));
    expect(dump.length).toBeGreaterThan(1000);
    for (const secret of [owner.token, key.secret, "correct horse battery staple"]) {
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(secret.slice(4));
    }
  });
});
