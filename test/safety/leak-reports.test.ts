import { createHmac, createHash } from "node:crypto";
import { dataOf, gql } from "../support/client";
import { createKey, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { ALLOWED_QUERY } from "../usage/usage-support";

const SECRET = "leak-relay-shared-secret-0123456789abcdef";
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const KEY = `query($id: ID!) { apiKey(id: $id) { status revokedAt revocationReason } }`;
const ALERTS = `query { securityAlerts(kinds: [KEY_LEAKED]) { totalCount nodes { kind message details apiKey { id } } } }`;
const AUDIT = `query { auditLog(first: 100) { nodes { action targetId actor { id } details } } }`;

let a: TestServer;
let b: TestServer;
let statements: string[] = [];
beforeAll(async () => {
  // Two instances over one database and Redis, as behind a load balancer.
  [a, b] = await Promise.all([
    startTestServer({ env: { LEAK_REPORT_SECRET: SECRET, REDIS_URL }, queryCounter: (sql) => statements.push(sql) }),
    startTestServer({ env: { LEAK_REPORT_SECRET: SECRET, REDIS_URL } }),
  ]);
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

const sign = (body: string | Buffer, secret = SECRET) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

async function report(server: TestServer, body: string | Buffer, signature: string | null = sign(body)) {
  const response = await fetch(`http://127.0.0.1:${server.port}/leaks`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(signature === null ? {} : { "x-leak-report-signature": signature }) },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}
const entries = (...tokens: string[]) =>
  JSON.stringify(
    tokens.map((token) => ({ token, type: "grantql_api_key", url: "https://github.com/acme/app/blob/main/.env", source: "content" })),
  );

describe("POST /leaks: reported keys", () => {
  it("an ACTIVE key is a true positive, revoked at once on every instance with its reason, audited with no member, and alerted once", async () => {
    const admin = await signUp(a.url);
    const key = await createKey(a.url, admin.token);
    expect((await gql(b.url, ALLOWED_QUERY, {}, key.secret)).status).toBe(200);
    const answered = await report(a, entries(key.secret));
    const at = performance.now();
    expect(answered).toEqual({
      status: 200,
      body: [{ token_hash: sha256(key.secret), token_type: "grantql_api_key", label: "true_positive" }],
    });
    let refused = await gql(b.url, ALLOWED_QUERY, {}, key.secret);
    while (refused.status === 200 && performance.now() - at < 1000) refused = await gql(b.url, ALLOWED_QUERY, {}, key.secret);
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0].extensions?.reason).toBe("REVOKED");
    const read = dataOf(await gql(a.url, KEY, { id: key.id }, admin.token)).apiKey;
    expect(read).toMatchObject({ status: "REVOKED", revocationReason: "leaked: https://github.com/acme/app/blob/main/.env" });
    const audit = dataOf(await gql(a.url, AUDIT, {}, admin.token)).auditLog.nodes.filter((e: any) => e.action === "API_KEY_REVOKED");
    expect(audit).toEqual([
      expect.objectContaining({
        targetId: key.id,
        actor: null,
        details: expect.objectContaining({ reason: read.revocationReason, via: "leak-report" }),
      }),
    ]);
    const alerts = dataOf(await gql(a.url, ALERTS, {}, admin.token)).securityAlerts;
    expect(alerts.totalCount).toBe(1);
    expect(alerts.nodes[0]).toEqual({
      kind: "KEY_LEAKED",
      message: 'Key "Test key" was reported leaked at https://github.com/acme/app/blob/main/.env',
      details: { url: "https://github.com/acme/app/blob/main/.env", source: "content", prefix: key.prefix },
      apiKey: { id: key.id },
    });
  });

  it("reporting the key again changes nothing and raises nothing", async () => {
    const admin = await signUp(a.url);
    const key = await createKey(a.url, admin.token);
    await report(a, JSON.stringify([{ token: key.secret }]));
    const first = dataOf(await gql(a.url, KEY, { id: key.id }, admin.token)).apiKey;
    expect(first.revocationReason).toBe("leaked");
    a.clock.advance(60_000);
    const again = await report(b, entries(key.secret));
    expect(again.body).toEqual([{ token_hash: sha256(key.secret), token_type: "grantql_api_key", label: "true_positive" }]);
    expect(dataOf(await gql(a.url, KEY, { id: key.id }, admin.token)).apiKey).toEqual(first);
    expect(dataOf(await gql(a.url, ALERTS, {}, admin.token)).securityAlerts.totalCount).toBe(1);
    const revocations = dataOf(await gql(a.url, AUDIT, {}, admin.token)).auditLog.nodes.filter((e: any) => e.action === "API_KEY_REVOKED");
    expect(revocations).toHaveLength(1);
  });

  it("a revoked or expired key is a true positive that keeps its status and reason, and raises one KEY_LEAKED", async () => {
    const admin = await signUp(a.url);
    const revoked = await createKey(a.url, admin.token);
    dataOf(
      await gql(a.url, `mutation($id: ID!) { revokeApiKey(id: $id, reason: "staff left") { status } }`, { id: revoked.id }, admin.token),
    );
    const expired = await createKey(a.url, admin.token, undefined, { expiresAt: new Date(a.clock.now().getTime() + 60_000).toISOString() });
    a.clock.advance(120_000);
    b.clock.set(a.clock.now());
    const answered = await report(a, entries(revoked.secret, expired.secret));
    expect(answered.body.map((e: any) => e.label)).toEqual(["true_positive", "true_positive"]);
    expect(dataOf(await gql(a.url, KEY, { id: revoked.id }, admin.token)).apiKey).toMatchObject({
      status: "REVOKED",
      revocationReason: "staff left",
    });
    expect(dataOf(await gql(a.url, KEY, { id: expired.id }, admin.token)).apiKey).toMatchObject({
      status: "EXPIRED",
      revocationReason: null,
      revokedAt: null,
    });
    const alerts = dataOf(await gql(a.url, ALERTS, {}, admin.token))
      .securityAlerts.nodes.map((n: any) => n.apiKey.id)
      .sort();
    expect(alerts).toEqual([revoked.id, expired.id].sort());
  });

  it("false positives: a gqk_ token with a wrong checksum, other strings, and a well-formed unknown key; answers in order", async () => {
    const admin = await signUp(a.url);
    const key = await createKey(a.url, admin.token);
    const unknown = `gqk_${"A".repeat(32)}${require("../../src/auth/token").checksumOf("A".repeat(32))}`;
    const badChecksum = `${key.secret.slice(0, -1)}${key.secret.endsWith("0") ? "1" : "0"}`;
    const tokens = ["not a token", badChecksum, key.secret, unknown, "gqs_session"];
    const answered = await report(a, entries(...tokens));
    expect(answered.status).toBe(200);
    expect(answered.body).toEqual(
      tokens.map((t, i) => ({ token_hash: sha256(t), token_type: "grantql_api_key", label: i === 2 ? "true_positive" : "false_positive" })),
    );
  });

  it("a report of only malformed tokens is answered without a database look-up", async () => {
    statements = [];
    const answered = await report(a, entries("gqk_short", `gqk_${"b".repeat(38)}`, "ghp_abc"));
    expect(answered.body.map((e: any) => e.label)).toEqual(["false_positive", "false_positive", "false_positive"]);
    // A key is only ever looked up by its digest; the periodic alert scan may run meanwhile, but reads none.
    expect(statements.filter((sql) => /digest/.test(sql))).toEqual([]);
  });
});

describe("POST /leaks: refusals, in order", () => {
  it("a missing or wrong signature is 401 and revokes nothing", async () => {
    const admin = await signUp(a.url);
    const key = await createKey(a.url, admin.token);
    const body = entries(key.secret);
    for (const signature of [
      null,
      "",
      sign(body, "another-secret-of-the-right-length-000000"),
      sign(body).replace("sha256=", "sha1="),
      `${sign(body)}00`,
      sign(`${body} `),
    ]) {
      expect((await report(a, body, signature)).status).toBe(401);
    }
    expect(dataOf(await gql(a.url, KEY, { id: key.id }, admin.token)).apiKey.status).toBe("ACTIVE");
  });

  it.each([
    ["not JSON", "{"],
    ["an object", JSON.stringify({ token: "gqk_x" })],
    ["an empty array", "[]"],
    ["more than 1,000 entries", JSON.stringify(Array.from({ length: 1001 }, () => ({ token: "x" })))],
    ["an entry without a token", JSON.stringify([{ url: "https://x" }])],
    ["a token that is not a string", JSON.stringify([{ token: 42 }])],
    ["an entry that is not an object", JSON.stringify(["gqk_x"])],
    ["an empty body", ""],
  ])("a malformed body (%s) is 400 once signed, 401 when not", async (_title, body) => {
    expect((await report(a, body)).status).toBe(400);
    expect((await report(a, body, "sha256=00")).status).toBe(401);
  });

  it("1,000 entries are accepted", async () => {
    const answered = await report(a, JSON.stringify(Array.from({ length: 1000 }, (_, i) => ({ token: `t${i}` }))));
    expect(answered.status).toBe(200);
    expect(answered.body).toHaveLength(1000);
  });

  it("a body over 1 MiB is 413 before the signature is looked at", async () => {
    const body = JSON.stringify([{ token: "x", url: "u".repeat(1024 * 1024) }]);
    expect((await report(a, body)).status).toBe(413);
    expect((await report(a, body, null)).status).toBe(413);
  });

  it("without LEAK_REPORT_SECRET the endpoint answers 404, signed or not", async () => {
    const plain = await startTestServer({ env: { LEAK_REPORT_SECRET: "" } });
    try {
      const body = entries("gqk_x");
      expect((await report(plain, body)).status).toBe(404);
      expect((await report(plain, "x".repeat(2 * 1024 * 1024), null)).status).toBe(404);
    } finally {
      await plain.stop();
    }
  });
});
