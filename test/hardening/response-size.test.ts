import { dataOf, gql } from "../support/client";
import { createKey, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { WsSession } from "../support/ws-session";
import { createRecord } from "../resources/resource-cases";

// The response size bound (RESPONSE_MAX_BYTES, src/server/guards/response-size.ts): an answer over it
// is refused on both transports, after the cost limit let it through.
const BOUND = 65_536;
let server: TestServer;
let admin: Awaited<ReturnType<typeof signUp>>;
beforeAll(async () => {
  server = await startTestServer({ env: { RESPONSE_MAX_BYTES: String(BOUND) } });
  admin = await signUp(server.url);
  // Two documents of 40,000 characters: one fits under 64 KiB, both do not (their cost is small).
  for (const title of ["One", "Two"])
    await createRecord(server.url, admin.token, "KnowledgeBaseDocument", { title, content: "x".repeat(40_000) });
});
afterAll(() => server.stop());

const BOTH = `{ knowledgeBaseDocuments { nodes { title content } } }`;
const ONE = `{ knowledgeBaseDocuments(first: 1) { nodes { title content } } }`;
const REFUSAL = {
  message: `The answer is larger than this server's limit of ${BOUND} bytes (RESPONSE_MAX_BYTES): ask for smaller pages (first) or fewer fields`,
  extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
};

describe("an answer over RESPONSE_MAX_BYTES is refused, not sent", () => {
  it("over HTTP: 400 GRAPHQL_VALIDATION_FAILED naming the limit, without data", async () => {
    const response = await gql(server.url, BOTH, {}, admin.token);
    expect({ status: response.status, body: response.body }).toEqual({ status: 400, body: { errors: [REFUSAL] } });
  });

  it("over HTTP, an answer under the bound is sent as it is, byte for byte what its JSON is", async () => {
    const response = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${admin.token}` },
      body: JSON.stringify({ query: ONE }),
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    const body = JSON.parse(text);
    expect(body.data.knowledgeBaseDocuments.nodes[0].content).toHaveLength(40_000);
    expect(text).toBe(`${JSON.stringify(body)}\n`);
    expect(Number(response.headers.get("content-length"))).toBe(Buffer.byteLength(text));
  });

  it("over the WebSocket: the same refusal as an `error` message, and the socket stays open", async () => {
    const socket = await WsSession.open(server.wsUrl, admin.token);
    try {
      expect((await socket.next())?.type).toBe("connection_ack");
      const refused = await socket.run(BOTH);
      expect({ type: refused?.type, payload: refused?.payload }).toEqual({ type: "error", payload: [REFUSAL] });
      const fits = await socket.run(ONE);
      expect(fits?.type).toBe("next");
      expect(fits?.payload.data.knowledgeBaseDocuments.nodes).toHaveLength(1);
    } finally {
      await socket.close();
    }
  });

  it("over the WebSocket, a subscription's message over the bound is sent as that refusal, and the socket stays open", async () => {
    const key = await createKey(server.url, admin.token);
    const from = new Date(Date.now() - 1_400 * 60_000).toISOString();
    // About 1,400 minute buckets of ~60 bytes each: over 64 KiB in the first message of the stream.
    const query = `subscription($k: ID, $f: DateTime) { apiKeyUsage(apiKeyId: $k) { apiKey { usageSeries(granularity: MINUTE, from: $f) { start count forbidden } } } }`;
    const socket = await WsSession.open(server.wsUrl, admin.token);
    try {
      expect((await socket.next())?.type).toBe("connection_ack");
      const first = await socket.run(query, { k: key.id, f: from });
      expect({ type: first?.type, payload: first?.payload }).toEqual({ type: "next", payload: { errors: [REFUSAL] } });
      expect(socket.open).toBe(true);
    } finally {
      await socket.close();
    }
  });

  it("is logged and metered as the refusal it is (400, GRAPHQL_VALIDATION_FAILED), on both transports", async () => {
    const lines = () =>
      server
        .logs()
        .split("\n")
        .filter((l) => l.includes('"errors":["GRAPHQL_VALIDATION_FAILED"]'))
        .map((l) => JSON.parse(l) as { status: number; transport: string });
    const refused = lines();
    expect(refused.map((l) => [l.transport, l.status]).sort()).toEqual([
      ["http", 400],
      ["ws", 400],
    ]);
    expect(dataOf(await gql(server.url, ONE, {}, admin.token)).knowledgeBaseDocuments.nodes).toHaveLength(1);
  });
});
