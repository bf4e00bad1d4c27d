import { dataOf, errorOf, gql } from "../support/client";
import { expectBadInput, expectUnauthenticated } from "../support/assertions";
import { signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { ALLOWED_QUERY, FORBIDDEN_QUERY, usageOf } from "../usage/usage-support";

const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id allowedCidrs lastUsedFrom } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateApiKeyInput!) { updateApiKey(id: $id, input: $input) { id allowedCidrs } }`;
const KEY = `query($id: ID!) { apiKey(id: $id) { allowedCidrs lastUsedFrom lastUsedAt } }`;
const READ = [{ resource: "CALLS", read: true }];

let server: TestServer;
let admin: Awaited<ReturnType<typeof signUp>>;
// TRUST_PROXY=1: the client address is the last X-Forwarded-For hop, so one test presents many addresses.
beforeAll(async () => {
  server = await startTestServer({ env: { TRUST_PROXY: "1" } });
  admin = await signUp(server.url);
});
afterAll(() => server?.stop());

async function keyWith(allowedCidrs: string[] | null, extra: Record<string, unknown> = {}) {
  const data = dataOf(
    await gql(server.url, CREATE, { input: { name: "Fenced", permissions: READ, allowedCidrs, ...extra } }, admin.token),
  ).createApiKey;
  return { id: data.apiKey.id as string, secret: data.secret as string, allowedCidrs: data.apiKey.allowedCidrs as string[] | null };
}
const from = (address: string, secret: string, query = ALLOWED_QUERY) => gql(server.url, query, {}, secret, { "x-forwarded-for": address });
const keyCount = async () =>
  Number((await server.dataSource.query(`SELECT count(*)::int AS n FROM api_key WHERE workspace_id = $1`, [admin.workspaceId]))[0].n);

function expectIpNotAllowed(response: Awaited<ReturnType<typeof gql>>) {
  expect(response.status).toBe(403);
  expect(response.body.errors).toHaveLength(1);
  expect(response.body.errors![0].extensions).toEqual({ code: "FORBIDDEN", reason: "IP_NOT_ALLOWED" });
  expect(response.body.data ?? null).toBeNull();
}

describe("IP allowlists: who may use a key from where", () => {
  it.each([
    ["an IPv4 address", ["203.0.113.7"], "203.0.113.7", "203.0.113.8"],
    ["an IPv4 block", ["203.0.113.0/24"], "203.0.113.200", "203.0.114.1"],
    ["an IPv6 address", ["2001:db8::7"], "2001:db8:0:0::7", "2001:db8::8"],
    ["an IPv6 block", ["2001:db8::/32"], "2001:db8:ffff::1", "2001:db9::1"],
    ["an IPv4-mapped IPv6 client against an IPv4 entry", ["203.0.113.0/24"], "::ffff:203.0.113.9", "::ffff:198.51.100.1"],
    ["an IPv4 client against an IPv4-mapped entry", ["::ffff:203.0.113.0/120"], "203.0.113.9", "198.51.100.1"],
  ])("%s: the listed address is served, another gets 403 IP_NOT_ALLOWED", async (_title, cidrs, inside, outside) => {
    const key = await keyWith(cidrs);
    expect(dataOf(await from(inside, key.secret)).viewer.kind).toBe("API_KEY");
    expectIpNotAllowed(await from(outside, key.secret));
  });

  it("a key without a list (null) is served from any address", async () => {
    const key = await keyWith(null);
    expect(key.allowedCidrs).toBeNull();
    for (const address of ["198.51.100.1", "2001:db8::1", "::ffff:192.0.2.1"]) expect((await from(address, key.secret)).status).toBe(200);
  });

  it("entries read back as written, IPv6 in canonical lower-case form", async () => {
    const key = await keyWith(["203.0.113.7", "198.51.100.0/24", "2001:DB8:0:0::/64", "2001:0db8:0000:0000:0000:0000:0000:0001"]);
    const expected = ["203.0.113.7", "198.51.100.0/24", "2001:db8::/64", "2001:db8::1"];
    expect(key.allowedCidrs).toEqual(expected);
    expect(dataOf(await gql(server.url, KEY, { id: key.id }, admin.token)).apiKey.allowedCidrs).toEqual(expected);
  });

  it("updateApiKey replaces the list at once on this instance, and null removes it", async () => {
    const key = await keyWith(["203.0.113.7"]);
    expectIpNotAllowed(await from("198.51.100.1", key.secret));
    expect(
      dataOf(await gql(server.url, UPDATE, { id: key.id, input: { allowedCidrs: ["198.51.100.0/24"] } }, admin.token)).updateApiKey
        .allowedCidrs,
    ).toEqual(["198.51.100.0/24"]);
    expect((await from("198.51.100.1", key.secret)).status).toBe(200);
    expectIpNotAllowed(await from("203.0.113.7", key.secret));
    expect(
      dataOf(await gql(server.url, UPDATE, { id: key.id, input: { allowedCidrs: null } }, admin.token)).updateApiKey.allowedCidrs,
    ).toBeNull();
    expect((await from("203.0.113.7", key.secret)).status).toBe(200);
  });

  it("a refused request executes nothing and is counted in usage with outcome IP_NOT_ALLOWED", async () => {
    const key = await keyWith(["203.0.113.7"], { permissions: [{ resource: "CONTACTS", read: true, write: true }] });
    const contacts = async () =>
      Number((await server.dataSource.query(`SELECT count(*)::int AS n FROM contact WHERE workspace_id = $1`, [admin.workspaceId]))[0].n);
    const before = await contacts();
    expectIpNotAllowed(await from("198.51.100.1", key.secret, `mutation Make { createContact(input: { firstName: "Mallory" }) { id } }`));
    expect(await contacts()).toBe(before);
    await server.services.usage.recorder.flushAll();
    const rows = await server.dataSource.query(`SELECT outcome, operation_name FROM usage_event WHERE api_key_id = $1`, [key.id]);
    expect(rows).toEqual([{ outcome: "IP_NOT_ALLOWED", operation_name: "Make" }]);
    expect(await usageOf(server.url, admin.token, key.id)).toEqual({ last24h: 1, last7d: 1, last30d: 1 });
  });

  it("lastUsedFrom and lastUsedAt follow every counted request, refused ones included, mapped IPv4 shown as IPv4", async () => {
    const key = await keyWith(["203.0.113.0/24"]);
    expect((await from("::ffff:203.0.113.9", key.secret)).status).toBe(200);
    await server.services.usage.recorder.flushAll();
    expect(dataOf(await gql(server.url, KEY, { id: key.id }, admin.token)).apiKey.lastUsedFrom).toBe("203.0.113.9");
    server.clock.advance(1000);
    expectIpNotAllowed(await from("2001:DB8::5", key.secret));
    await server.services.usage.recorder.flushAll();
    const read = dataOf(await gql(server.url, KEY, { id: key.id }, admin.token)).apiKey;
    expect(read.lastUsedFrom).toBe("2001:db8::5");
    expect(read.lastUsedAt).toBe(server.clock.now().toISOString());
  });
});

describe("the order of checks: authentication, allowlist, rate limit, permissions", () => {
  it("a revoked key from an outside address is 401, not 403", async () => {
    const key = await keyWith(["203.0.113.7"]);
    dataOf(await gql(server.url, `mutation($id: ID!) { revokeApiKey(id: $id) { status } }`, { id: key.id }, admin.token));
    expectUnauthenticated(await from("198.51.100.1", key.secret), "REVOKED");
  });

  it("refusals by the allowlist do not use up the rate limit; the limit then applies to listed addresses", async () => {
    const key = await keyWith(["203.0.113.7"], { rateLimit: { limit: 2, windowSeconds: 3600 } });
    for (let i = 0; i < 5; i++) expectIpNotAllowed(await from("198.51.100.1", key.secret));
    expect((await from("203.0.113.7", key.secret)).status).toBe(200);
    expect((await from("203.0.113.7", key.secret)).status).toBe(200);
    const limited = await from("203.0.113.7", key.secret);
    expect(limited.status).toBe(429);
    expect(errorOf(limited).extensions?.code).toBe("RATE_LIMITED");
    // Over the limit, an outside address is still refused by the allowlist first.
    expectIpNotAllowed(await from("198.51.100.1", key.secret));
  });

  it("an outside address is refused by the allowlist before permissions are looked at", async () => {
    const key = await keyWith(["203.0.113.7"]);
    expectIpNotAllowed(await from("198.51.100.1", key.secret, FORBIDDEN_QUERY));
    const inside = await from("203.0.113.7", key.secret, FORBIDDEN_QUERY);
    expect(inside.status).toBe(403);
    expect(errorOf(inside).extensions).toEqual({ code: "FORBIDDEN", missingPermissions: ["leads:read"] });
  });
});

describe("allowlist input rules: BAD_USER_INPUT naming the entry, nothing written", () => {
  const fifty = Array.from({ length: 50 }, (_, i) => `10.0.${i}.0/24`);
  it.each([
    ["an empty list", [], /null/],
    ["more than 50 entries", [...fifty, "10.1.0.0/24"], /at most 50/],
    ["a block with host bits set", ["203.0.113.7/24"], /"203\.0\.113\.7\/24".*host bits/],
    ["a duplicate", ["203.0.113.0/24", "198.51.100.1", "203.0.113.0/24"], /"203\.0\.113\.0\/24".*duplicate/],
    ["the same address twice in two spellings", ["2001:db8::1", "2001:DB8:0::1/128"], /duplicate/],
    ["not an address", ["example.com"], /"example\.com".*not an IP address/],
    ["an IPv4 shorthand", ["127.1"], /"127\.1".*not an IP address/],
    ["a prefix too long", ["203.0.113.0/33"], /"203\.0\.113\.0\/33".*prefix/],
    ["a bad prefix", ["203.0.113.0/x"], /"203\.0\.113\.0\/x"/],
    ["an IPv6 zone", ["fe80::1%eth0"], /not an IP address/],
  ])("%s is refused on create", async (_title, allowedCidrs, message) => {
    const before = await keyCount();
    const response = await gql(server.url, CREATE, { input: { name: "Bad list", permissions: READ, allowedCidrs } }, admin.token);
    expectBadInput(response, ["input.allowedCidrs"]);
    expect(errorOf(response).extensions!.fields[0].message).toMatch(message);
    expect(await keyCount()).toBe(before);
  });

  it("exactly 50 entries are accepted", async () => {
    expect((await keyWith(fifty)).allowedCidrs).toHaveLength(50);
  });

  it("a bad list on update is refused and the stored list is unchanged", async () => {
    const key = await keyWith(["203.0.113.7"]);
    expectBadInput(await gql(server.url, UPDATE, { id: key.id, input: { allowedCidrs: ["203.0.113.7/24"] } }, admin.token), [
      "input.allowedCidrs",
    ]);
    expectBadInput(await gql(server.url, UPDATE, { id: key.id, input: { allowedCidrs: [] } }, admin.token), ["input.allowedCidrs"]);
    expect(dataOf(await gql(server.url, KEY, { id: key.id }, admin.token)).apiKey.allowedCidrs).toEqual(["203.0.113.7"]);
  });
});
