import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { dataOf, errorOf, gql } from "../support/client";
import { createKey, createMember, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";

const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id rateLimit { limit windowSeconds } } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateApiKeyInput!) { updateApiKey(id: $id, input: $input) { id rateLimit { limit windowSeconds } } }`;
const READ = [{ resource: "CALLS", read: true }];

let server: TestServer;
let admin: Awaited<ReturnType<typeof signUp>>;
beforeAll(async () => {
  server = await startTestServer();
  admin = await signUp(server.url);
});
afterAll(() => server?.stop());

async function limitedKey(limit: number, windowSeconds = 60) {
  const data = dataOf(
    await gql(server.url, CREATE, { input: { name: "Limited", permissions: READ, rateLimit: { limit, windowSeconds } } }, admin.token),
  ).createApiKey;
  return { id: data.apiKey.id as string, secret: data.secret as string, rateLimit: data.apiKey.rateLimit };
}
const viewer = (secret: string) => gql(server.url, "query Who { viewer { kind } }", {}, secret);
const headers = (r: Awaited<ReturnType<typeof gql>>) => ({
  limit: r.headers.get("ratelimit-limit"),
  remaining: r.headers.get("ratelimit-remaining"),
  reset: r.headers.get("ratelimit-reset"),
});

describe("per-key rate limits", () => {
  it("createApiKey stores a limit and ApiKey.rateLimit reads it back", async () => {
    const key = await limitedKey(5, 30);
    expect(key.rateLimit).toEqual({ limit: 5, windowSeconds: 30 });
    expect(
      dataOf(
        await gql(server.url, `query($id: ID!) { apiKey(id: $id) { rateLimit { limit windowSeconds } } }`, { id: key.id }, admin.token),
      ).apiKey.rateLimit,
    ).toEqual({ limit: 5, windowSeconds: 30 });
  });

  it("every response to a limited key carries RateLimit headers; over the limit it is 429 RATE_LIMITED with Retry-After until the window resets", async () => {
    server.clock.set(new Date(Math.ceil(Date.now() / 60_000) * 60_000 + 15_000)); // 45 s before a window ends
    const key = await limitedKey(3, 60);
    const seen = [];
    for (let i = 0; i < 3; i++) {
      const response = await viewer(key.secret);
      expect(dataOf(response).viewer.kind).toBe("API_KEY");
      seen.push(headers(response));
    }
    expect(seen).toEqual([
      { limit: "3", remaining: "2", reset: "45" },
      { limit: "3", remaining: "1", reset: "45" },
      { limit: "3", remaining: "0", reset: "45" },
    ]);
    const refused = await viewer(key.secret);
    expect(refused.status).toBe(429);
    expect(errorOf(refused).extensions?.code).toBe("RATE_LIMITED");
    expect(refused.headers.get("retry-after")).toBe("45");
    expect(headers(refused)).toEqual({ limit: "3", remaining: "0", reset: "45" });
    server.clock.advance(45_000);
    const again = await viewer(key.secret);
    expect(dataOf(again).viewer.kind).toBe("API_KEY");
    expect(headers(again)).toEqual({ limit: "3", remaining: "2", reset: "60" });
  });

  it("a key without a limit, and a member, get no RateLimit headers", async () => {
    const key = await createKey(server.url, admin.token);
    expect(headers(await viewer(key.secret))).toEqual({ limit: null, remaining: null, reset: null });
    expect(headers(await viewer(admin.token))).toEqual({ limit: null, remaining: null, reset: null });
  });

  it("updateApiKey sets a limit that applies at once, null removes it, and leaving it out keeps it", async () => {
    const key = await createKey(server.url, admin.token);
    const set = dataOf(await gql(server.url, UPDATE, { id: key.id, input: { rateLimit: { limit: 1, windowSeconds: 3600 } } }, admin.token));
    expect(set.updateApiKey.rateLimit).toEqual({ limit: 1, windowSeconds: 3600 });
    expect((await viewer(key.secret)).status).toBe(200);
    expect((await viewer(key.secret)).status).toBe(429);
    const renamed = dataOf(await gql(server.url, UPDATE, { id: key.id, input: { name: "Renamed" } }, admin.token));
    expect(renamed.updateApiKey.rateLimit).toEqual({ limit: 1, windowSeconds: 3600 });
    const removed = dataOf(await gql(server.url, UPDATE, { id: key.id, input: { rateLimit: null } }, admin.token));
    expect(removed.updateApiKey.rateLimit).toBeNull();
    const free = await viewer(key.secret);
    expect(free.status).toBe(200);
    expect(headers(free).limit).toBeNull();
  });

  it.each([
    [{ limit: 0, windowSeconds: 60 }, ["input.rateLimit.limit"]],
    [{ limit: 1_000_001, windowSeconds: 60 }, ["input.rateLimit.limit"]],
    [{ limit: 10, windowSeconds: 0 }, ["input.rateLimit.windowSeconds"]],
    [{ limit: 10, windowSeconds: 86_401 }, ["input.rateLimit.windowSeconds"]],
    [{ limit: -5, windowSeconds: -5 }, ["input.rateLimit.limit", "input.rateLimit.windowSeconds"]],
  ])("rateLimit %j is BAD_USER_INPUT naming %j, and no key is created", async (rateLimit, fields) => {
    const before = dataOf(await gql(server.url, "{ apiKeys { totalCount } }", {}, admin.token)).apiKeys.totalCount;
    const response = await gql(server.url, CREATE, { input: { name: "Bad", permissions: READ, rateLimit } }, admin.token);
    expect(errorOf(response).extensions?.code).toBe("BAD_USER_INPUT");
    expect(errorOf(response).extensions?.fields.map((f: { field: string }) => f.field)).toEqual(fields);
    expect(dataOf(await gql(server.url, "{ apiKeys { totalCount } }", {}, admin.token)).apiKeys.totalCount).toBe(before);
  });

  it("setting a limit needs a member (401 without a credential) who is an ADMIN (403 for SECURITY and for keys)", async () => {
    const key = await createKey(server.url, admin.token);
    const security = await createMember(server.url, admin.token, "SECURITY");
    const input = { rateLimit: { limit: 1, windowSeconds: 60 } };
    expect((await gql(server.url, UPDATE, { id: key.id, input })).status).toBe(401);
    expect(errorOf(await gql(server.url, UPDATE, { id: key.id, input }, security.token)).extensions?.code).toBe("FORBIDDEN");
    expect(errorOf(await gql(server.url, UPDATE, { id: key.id, input }, key.secret)).extensions?.code).toBe("FORBIDDEN");
  });

  it("a refused request counts in usage and is published on usageEvents as RATE_LIMITED", async () => {
    const key = await limitedKey(1, 3600);
    const client = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${admin.token}` },
      lazy: false,
    });
    const events: { outcome: string; operationName: string | null }[] = [];
    const published = new Promise<void>((resolve, reject) => {
      const stop = client.subscribe<{ usageEvents: { outcome: string; operationName: string | null } }>(
        {
          query: `subscription($id: ID) { usageEvents(apiKeyId: $id, outcomes: [RATE_LIMITED]) { outcome operationName } }`,
          variables: { id: key.id },
        },
        {
          next: ({ data }) => {
            events.push(data!.usageEvents);
            stop();
            resolve();
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    await new Promise<void>((resolve) => client.on("connected", () => resolve()));
    expect((await viewer(key.secret)).status).toBe(200);
    expect((await viewer(key.secret)).status).toBe(429);
    await server.services.usage.recorder.flushAll();
    await published;
    await client.dispose();
    expect(events).toEqual([{ outcome: "RATE_LIMITED", operationName: "Who" }]);
    const usage = dataOf(await gql(server.url, `query($id: ID!) { apiKey(id: $id) { usage { last24h } } }`, { id: key.id }, admin.token))
      .apiKey.usage;
    expect(usage.last24h).toBe(2);
  });
});
