import { Agent, request } from "node:http";
import { getIntrospectionQuery } from "graphql";
import { dataOf, errorOf, gql } from "../support/client";
import { signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";

let server: TestServer;
let admin: Awaited<ReturnType<typeof signUp>>;
beforeAll(async () => {
  server = await startTestServer();
  admin = await signUp(server.url);
});
afterAll(() => server.stop());

/** A valid selection `levels` deep: `__type { fields { type { ofType { … { name } } } } }`. */
function deep(levels: number): string {
  const ofTypes = levels - 4;
  return `{ __type(name: "Query") { fields { type { ${"ofType { ".repeat(ofTypes)}name${" }".repeat(ofTypes)} } } } }`;
}

function aliases(n: number): string {
  return `{ ${Array.from({ length: n }, (_, i) => `a${i}: viewer { kind }`).join(" ")} }`;
}

describe("operations over a limit are refused before execution", () => {
  it("31 aliases are refused with GRAPHQL_VALIDATION_FAILED and 400; 30 run", async () => {
    const refused = await gql(server.url, aliases(31), {}, admin.token);
    expect(refused.status).toBe(400);
    expect(errorOf(refused).extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(errorOf(refused).message).toMatch(/aliases/i);
    expect(refused.body.data).toBeUndefined();
    const allowed = await gql(server.url, aliases(30), {}, admin.token);
    expect(Object.keys(dataOf(allowed))).toHaveLength(30);
  });

  it("a selection deeper than 10 is refused; depth 10 runs", async () => {
    const refused = await gql(server.url, deep(11), {}, admin.token);
    expect(refused.status).toBe(400);
    expect(errorOf(refused).extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(errorOf(refused).message).toMatch(/depth limit of 10/i);
    expect(dataOf(await gql(server.url, deep(10), {}, admin.token)).__type.fields.length).toBeGreaterThan(0);
  });

  it("a depth bomb hidden in fragments is refused too", async () => {
    const fragments = Array.from(
      { length: 12 },
      (_, i) => `fragment F${i} on Query { viewer { kind } ${i < 11 ? `... on Query { ...F${i + 1} }` : ""} }`,
    ).join("\n");
    const response = await gql(server.url, `query { ...F0 }\n${fragments}`, {}, admin.token);
    expect(response.status).toBe(400);
    expect(errorOf(response).extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("more than 50 directives are refused", async () => {
    const response = await gql(server.url, `{ viewer ${"@include(if: true) ".repeat(51)} { kind } }`, {}, admin.token);
    expect(response.status).toBe(400);
    expect(errorOf(response).extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("a document of more than 2000 tokens is refused while parsing", async () => {
    const response = await gql(server.url, `{ viewer { ${"kind ".repeat(2100)} } }`, {}, admin.token);
    expect(response.status).toBe(400);
    expect(errorOf(response).extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
  });

  it("an operation over the cost limit is refused", async () => {
    const body = Array.from(
      { length: 30 },
      (_, i) =>
        `k${i}: apiKeys(first: 100) { nodes { id name prefix status createdAt permissions { resource read write } usage { last24h last7d last30d } createdBy { id email role createdAt } revokedBy { id email role } } }`,
    ).join(" ");
    const response = await gql(server.url, `{ ${body} }`, {}, admin.token);
    expect(response.status).toBe(400);
    expect(errorOf(response).extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(errorOf(response).message).toMatch(/cost/i);
  });

  it("the IDE's full introspection query still runs", async () => {
    const response = await gql(
      server.url,
      getIntrospectionQuery({ descriptions: true, directiveIsRepeatable: true, specifiedByUrl: true, inputValueDeprecation: true }),
    );
    expect(dataOf(response).__schema.queryType.name).toBe("Query");
  });
});

describe("transport limits", () => {
  it("a body over 1 MiB is answered 413 without reaching GraphQL", async () => {
    const response = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }", variables: { pad: "x".repeat(1024 * 1024) } }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("after a 413 the kept-alive connection still serves the next request", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = (body: string) =>
      new Promise<{ status: number; reused: boolean; text: string }>((resolve, reject) => {
        const req = request(server.url, { method: "POST", agent, headers: { "content-type": "application/json" } }, (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk) => (text += chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket, text }));
        });
        req.on("error", reject);
        req.end(body);
      });
    try {
      const tooLarge = await post(JSON.stringify({ query: "{ __typename }", variables: { pad: "x".repeat(1.5 * 1024 * 1024) } }));
      expect(tooLarge.status).toBe(413);
      const next = await post(JSON.stringify({ query: "{ __typename }" }));
      expect(next).toEqual({ status: 200, reused: true, text: '{"data":{"__typename":"Query"}}\n' });
    } finally {
      agent.destroy();
    }
  });

  it("a batched (array) request is refused with 400", async () => {
    const response = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ query: "{ __typename }" }, { query: "{ __typename }" }]),
    });
    expect(response.status).toBe(400);
  });

  it("a misspelt field gets no 'Did you mean' hint outside development", async () => {
    const response = await gql(server.url, "{ viewr { kind } }", {}, admin.token);
    expect(response.status).toBe(400);
    expect(errorOf(response).extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(errorOf(response).message).not.toMatch(/did you mean/i);
  });

  it("in development the hint is shown", async () => {
    const dev = await startTestServer({ env: { NODE_ENV: "development" } });
    try {
      const response = await gql(dev.url, "{ viewr { kind } }");
      expect(errorOf(response).message).toMatch(/did you mean "viewer"/i);
    } finally {
      await dev.stop();
    }
  });

  it("first above 100 or below 0 is BAD_USER_INPUT naming `first`", async () => {
    for (const first of [101, -1]) {
      const response = await gql(server.url, "query($f: Int) { apiKeys(first: $f) { totalCount } }", { f: first }, admin.token);
      expect(errorOf(response).extensions?.code).toBe("BAD_USER_INPUT");
      expect(errorOf(response).extensions?.fields).toEqual([expect.objectContaining({ field: "first" })]);
    }
  });

  it("introspection can be switched off", async () => {
    const closed = await startTestServer({ env: { INTROSPECTION: "false" } });
    try {
      const response = await gql(closed.url, "{ __schema { queryType { name } } }");
      expect(response.status).toBe(400);
      expect(errorOf(response).extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    } finally {
      await closed.stop();
    }
  });
});
