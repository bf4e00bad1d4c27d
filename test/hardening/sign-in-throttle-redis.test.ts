import { randomUUID } from "node:crypto";
import { ManualClock } from "../../src/common/clock";
import { dataOf, gql } from "../support/client";
import { PASSWORD, signUp, uniqueEmail } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { TcpProxy } from "../support/tcp-proxy";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const SIGN_IN = `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`;
// Its own Redis key prefix, shared by this file's two instances and by no other test file.
const ENV = {
  SIGNIN_SLOWDOWN_AFTER: "100",
  SIGNIN_LOCK_AFTER: "4",
  SIGNIN_LOCK: "10m",
  SIGNIN_IP_LOCK_AFTER: "1000",
  REDIS_KEY_PREFIX: `throttle-redis-${randomUUID()}:`,
};

describe("with REDIS_URL sign-in failures are counted across instances", () => {
  const clock = new ManualClock(new Date());
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer({ env: { ...ENV, REDIS_URL }, clock });
    b = await startTestServer({ env: { ...ENV, REDIS_URL }, clock });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it("failures spread over two instances lock the e-mail on both, and the lock ends on both", async () => {
    const admin = await signUp(a.url);
    for (const server of [a, b, a, b]) await gql(server.url, SIGN_IN, { e: admin.email, p: "wrong password 123" });
    for (const server of [a, b]) expect((await gql(server.url, SIGN_IN, { e: admin.email, p: PASSWORD })).status).toBe(429);
    clock.advance(10 * 60_000 + 1000);
    expect(dataOf(await gql(b.url, SIGN_IN, { e: admin.email, p: PASSWORD })).signIn.token).toMatch(/^gqs_/);
  });
});

describe("with REDIS_URL the per-address limit counts an IPv6 /64 as one address across instances", () => {
  const clock = new ManualClock(new Date());
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    const env = {
      ...ENV,
      REDIS_URL,
      SIGNIN_IP_LOCK_AFTER: "6",
      TRUST_PROXY: "loopback",
      REDIS_KEY_PREFIX: `throttle-redis-${randomUUID()}:`,
    };
    a = await startTestServer({ env, clock });
    b = await startTestServer({ env, clock });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it("guesses from six addresses of one /64, spread over two instances, lock that /64 on both; its IPv4-mapped twin counts as IPv4", async () => {
    const attempt = (server: TestServer, address: string) =>
      gql(server.url, SIGN_IN, { e: uniqueEmail("spray"), p: "wrong password 123" }, undefined, { "x-forwarded-for": address });
    for (let i = 0; i < 6; i++) {
      expect((await attempt(i % 2 === 0 ? a : b, `2001:db8:42:9:${i + 1}::1`)).status).toBe(401);
      clock.advance(60_000); // past each slow-down, so only the lock can refuse
    }
    for (const server of [a, b]) expect((await attempt(server, "2001:db8:42:9::abcd")).status).toBe(429);
    for (let i = 0; i < 6; i++) {
      expect((await attempt(i % 2 === 0 ? a : b, i % 2 === 0 ? "198.51.100.23" : "::ffff:198.51.100.23")).status).toBe(401);
      clock.advance(60_000);
    }
    expect((await attempt(a, "198.51.100.23")).status).toBe(429);
    expect((await attempt(b, "::ffff:198.51.100.23")).status).toBe(429);
  });
});

describe("Redis goes away", () => {
  let proxy: TcpProxy;
  let server: TestServer;
  beforeAll(async () => {
    proxy = await TcpProxy.to(REDIS_URL.replace(/^redis:/, "http:"));
    server = await startTestServer({ env: { ...ENV, REDIS_URL: `redis://127.0.0.1:${proxy.port}` } });
  });
  afterAll(async () => {
    await proxy.restore();
    await server?.stop();
    await proxy.cut();
  });

  it("sign-in keeps working and throttling falls back to this instance, logged once", async () => {
    const admin = await signUp(server.url);
    await proxy.cut();
    for (let i = 0; i < 4; i++) expect((await gql(server.url, SIGN_IN, { e: admin.email, p: "wrong password 123" })).status).toBe(401);
    expect((await gql(server.url, SIGN_IN, { e: admin.email, p: PASSWORD })).status).toBe(429);
    const warnings = server
      .logs()
      .split("\n")
      .filter((line) => line.includes("redis unavailable: limits and throttles are counted per instance"));
    expect(warnings).toHaveLength(1);
  });
});
