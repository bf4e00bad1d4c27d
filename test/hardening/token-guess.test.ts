import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import { issueApiKeySecret, issueSessionSecret } from "../../src/auth/token";
import { ManualClock } from "../../src/common/clock";
import { errorOf, gql, GqlResponse } from "../support/client";
import { createKey, signUp, SignedUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const TYPENAME = `{ __typename }`;
const VIEWER = `{ viewer { kind } }`;
// The documented defaults, spelled out; each server its own Redis prefix, so no other test's guesses count.
const guessEnv = (redisUrl: string) => ({
  TOKEN_GUESS_LIMIT: "100",
  TOKEN_GUESS_WINDOW: "60",
  TOKEN_GUESS_LOCK: "60",
  REDIS_URL: redisUrl,
  REDIS_KEY_PREFIX: `guess-${randomUUID()}:`,
});

/** A token of the right shape and checksum that no one holds: half API keys, half session tokens. */
const unknownToken = (i: number) => (i % 2 === 0 ? issueApiKeySecret() : issueSessionSecret()).secret;

function expectRateLimited(response: GqlResponse): void {
  expect(response.status).toBe(429);
  expect(errorOf(response).extensions?.code).toBe("RATE_LIMITED");
  expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
}

async function guess(server: TestServer, count: number, headers: Record<string, string> = {}): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await gql(server.url, TYPENAME, {}, unknownToken(i), headers)).status);
  return statuses;
}

describe("token guessing from one address, counted in this process", () => {
  let server: TestServer;
  let lookups: string[];
  let admin: SignedUp;
  beforeEach(async () => {
    lookups = [];
    // Only credential look-ups are counted (they are by digest); usage writes and the like are not.
    server = await startTestServer({ env: guessEnv(""), queryCounter: (sql) => sql.includes("digest") && lookups.push(sql) });
    admin = await signUp(server.url);
  });
  afterEach(() => server?.stop());

  it("after 100 unknown tokens in a minute the 101st gets 429 RATE_LIMITED with Retry-After and costs no database look-up", async () => {
    expect(await guess(server, 100)).toEqual(Array(100).fill(401));
    lookups = [];
    const refused = await gql(server.url, TYPENAME, {}, unknownToken(0));
    expectRateLimited(refused);
    expect(refused.headers.get("retry-after")).toBe("60");
    expect(lookups).toEqual([]);
  });

  it("while locked, tokens this instance verified before keep working and others are refused without a look-up", async () => {
    const used = await createKey(server.url, admin.token, [{ resource: "CALLS", read: true }]);
    const unused = await createKey(server.url, admin.token, [{ resource: "CALLS", read: true }]);
    expect((await gql(server.url, VIEWER, {}, used.secret)).status).toBe(200);
    await guess(server, 100);
    expect((await gql(server.url, VIEWER, {}, used.secret)).body.data).toEqual({ viewer: { kind: "API_KEY" } });
    expect((await gql(server.url, VIEWER, {}, admin.token)).body.data).toEqual({ viewer: { kind: "MEMBER" } });
    lookups = [];
    expectRateLimited(await gql(server.url, VIEWER, {}, unused.secret));
    expect(lookups).toEqual([]);
  });

  it("the lock ends after TOKEN_GUESS_LOCK, and then tokens are looked up again", async () => {
    const fresh = await createKey(server.url, admin.token, [{ resource: "CALLS", read: true }]);
    await guess(server, 100);
    expectRateLimited(await gql(server.url, VIEWER, {}, fresh.secret));
    server.clock.advance(60_000);
    expect((await gql(server.url, VIEWER, {}, fresh.secret)).status).toBe(200);
    expect((await gql(server.url, TYPENAME, {}, unknownToken(1))).status).toBe(401);
  });

  it("unknown tokens older than the sliding minute no longer count", async () => {
    await guess(server, 99);
    server.clock.advance(60_000);
    expect(await guess(server, 99)).toEqual(Array(99).fill(401));
    expect((await gql(server.url, TYPENAME, {}, unknownToken(0))).status).toBe(401);
  });

  it("a locked address gets close code 4429 at connection_init over the WebSocket", async () => {
    await guess(server, 100);
    const socket = new WebSocket(server.wsUrl, "graphql-transport-ws");
    socket.on("open", () =>
      socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${unknownToken(1)}` } })),
    );
    const [code, reason] = await new Promise<[number, string]>((resolve) => socket.on("close", (c, r) => resolve([c, String(r)])));
    expect(code).toBe(4429);
    expect(reason).toMatch(/^Rate limited: retry after \d+ s$/);
  });
});

describe("token guessing behind a proxy", () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ env: { ...guessEnv(""), TRUST_PROXY: "loopback" } });
  });
  afterEach(() => server?.stop());

  it("an IPv6 client is counted by its /64: another address in it is locked too, another /64 is not", async () => {
    await guess(server, 100, { "x-forwarded-for": "2001:db8:0:1::1" });
    expectRateLimited(await gql(server.url, TYPENAME, {}, unknownToken(0), { "x-forwarded-for": "2001:db8:0:1:ffff:ffff:ffff:ffff" }));
    expect((await gql(server.url, TYPENAME, {}, unknownToken(0), { "x-forwarded-for": "2001:db8:0:2::1" })).status).toBe(401);
    expect((await gql(server.url, TYPENAME, {}, unknownToken(0), { "x-forwarded-for": "203.0.113.5" })).status).toBe(401);
  });
});

describe("with REDIS_URL the count is shared by every instance", () => {
  const clock = new ManualClock(new Date());
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    const env = guessEnv(REDIS_URL);
    [a, b] = await Promise.all([startTestServer({ env, clock }), startTestServer({ env, clock })]);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it("50 unknown tokens on each of two instances lock the address on both, until the lock ends", async () => {
    expect([...(await guess(a, 50)), ...(await guess(b, 50))]).toEqual(Array(100).fill(401));
    expectRateLimited(await gql(a.url, TYPENAME, {}, unknownToken(0)));
    expectRateLimited(await gql(b.url, TYPENAME, {}, unknownToken(1)));
    clock.advance(60_000);
    expect((await gql(a.url, TYPENAME, {}, unknownToken(0))).status).toBe(401);
    expect((await gql(b.url, TYPENAME, {}, unknownToken(1))).status).toBe(401);
  });
});
