import { ManualClock } from "../../src/common/clock";
import { dataOf, gql } from "../support/client";
import { eventually } from "../support/eventually";
import { signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { TcpProxy } from "../support/tcp-proxy";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`;
const viewer = (server: TestServer, secret: string) => gql(server.url, "{ viewer { kind } }", {}, secret);

async function limitedKey(server: TestServer, token: string, limit: number): Promise<string> {
  return dataOf(
    await gql(
      server.url,
      CREATE,
      { input: { name: "Shared", permissions: [{ resource: "CALLS", read: true }], rateLimit: { limit, windowSeconds: 3600 } } },
      token,
    ),
  ).createApiKey.secret;
}

describe("with REDIS_URL the limit is shared by every instance", () => {
  const clock = new ManualClock(new Date());
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer({ env: { REDIS_URL }, clock });
    b = await startTestServer({ env: { REDIS_URL }, clock });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it("requests to two instances draw on one window: the fourth of a limit of 3 is refused wherever it lands", async () => {
    const admin = await signUp(a.url);
    const secret = await limitedKey(a, admin.token, 3);
    const answers = [
      await viewer(a, secret),
      await viewer(b, secret),
      await viewer(a, secret),
      await viewer(b, secret),
      await viewer(a, secret),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 429, 429]);
    expect(answers.map((r) => r.headers.get("ratelimit-remaining"))).toEqual(["2", "1", "0", "0", "0"]);
  });
});

describe("Redis goes away", () => {
  let proxy: TcpProxy;
  let server: TestServer;
  beforeAll(async () => {
    proxy = await TcpProxy.to(REDIS_URL.replace(/^redis:/, "http:"));
    server = await startTestServer({ env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}` } });
  });
  afterAll(async () => {
    await proxy.restore();
    await server?.stop();
    await proxy.cut();
  });

  it("limits fall back to this instance (logged), requests keep being served, and Redis is used again once it returns", async () => {
    const admin = await signUp(server.url);
    const secret = await limitedKey(server, admin.token, 2);
    expect((await viewer(server, secret)).status).toBe(200);
    await proxy.cut();
    // The Redis window already holds one request; the per-process fallback starts its own count.
    const during = [await viewer(server, secret), await viewer(server, secret), await viewer(server, secret)];
    expect(during.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(server.logs()).toContain("redis unavailable: limits and throttles are counted per instance");

    await proxy.restore();
    const roomy = await limitedKey(server, admin.token, 1000);
    // ioredis reconnects on its own back-off; no event reaches the test, so it re-reads the log, serving requests meanwhile.
    const returned = await eventually(
      async () => {
        expect((await viewer(server, roomy)).status).toBe(200);
        return server.logs().includes("redis is back: limits, throttles and live messages are shared across instances again");
      },
      (back) => back,
      15_000,
      100,
    );
    expect(returned).toBe(true);
  });
});
