import { randomUUID } from "node:crypto";
import { ManualClock } from "../../src/common/clock";
import { dataOf, gql } from "../support/client";
import { PASSWORD, signUp } from "../support/factories";
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
      .filter((line) => line.includes("sign-in throttling is counted per instance"));
    expect(warnings).toHaveLength(1);
  });
});
