import { dataOf, errorOf, gql } from "../support/client";
import { createKey, signUp, SignedUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { RESOURCE_CASES, ResourceCase, totalOf } from "./resource-cases";

let server: TestServer;
let admin: SignedUp;
beforeAll(async () => {
  server = await startTestServer();
  admin = await signUp(server.url);
});
afterAll(() => server.stop());

const ops = (c: ResourceCase) => ({
  list: `{ ${c.many}(first: 5) { totalCount nodes { ${c.fields} } edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`,
  get: `query($id: ID!) { ${c.one}(id: $id) { ${c.fields} } }`,
  create: `mutation($i: Create${c.type}Input!) { create${c.type}(input: $i) { ${c.fields} } }`,
  update: `mutation($id: ID!, $i: Update${c.type}Input!) { update${c.type}(id: $id, input: $i) { ${c.fields} } }`,
  delete: `mutation($id: ID!) { delete${c.type}(id: $id) }`,
});

describe.each(RESOURCE_CASES)("$type", (c) => {
  it("is created, read by id and in the list, updated partially and deleted", async () => {
    const { url } = server;
    const input = await c.create(url, admin.token);
    const created = dataOf(await gql(url, ops(c).create, { i: input }, admin.token))[`create${c.type}`];
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    const read = dataOf(await gql(url, ops(c).get, { id: created.id }, admin.token))[c.one];
    expect(read).toEqual(created);
    const list = dataOf(await gql(url, ops(c).list, {}, admin.token))[c.many];
    expect(list.nodes[0]).toEqual(created);
    expect(list.edges[0].node.id).toBe(created.id);

    const updated = dataOf(await gql(url, ops(c).update, { id: created.id, i: c.update }, admin.token))[`update${c.type}`];
    for (const [key, value] of Object.entries(c.update)) if (key !== "config") expect(updated[key]).toEqual(value);
    // Fields the update did not name keep their values.
    for (const key of Object.keys(created)) if (!(key in c.update) && key !== "updatedAt") expect(updated[key]).toEqual(created[key]);

    expect(dataOf(await gql(url, ops(c).delete, { id: created.id }, admin.token))[`delete${c.type}`]).toBe(created.id);
    expect(dataOf(await gql(url, ops(c).get, { id: created.id }, admin.token))[c.one]).toBeNull();
    expect(errorOf(await gql(url, ops(c).delete, { id: created.id }, admin.token)).extensions?.code).toBe("NOT_FOUND");
  });

  it("answers a create written and read in one statement exactly as graphql-js executing its resolver does", async () => {
    // `@include(if: true)` changes nothing but keeps the create off the one-statement answer: graphql-js runs the resolver.
    const selection = `made: create${c.type}(input: $i) @DIRECTIVE { __typename ${c.fields} again: id }`;
    const create = (directive: string) => `mutation($i: Create${c.type}Input!) { ${selection.replace("@DIRECTIVE", directive)} }`;
    const input = await c.create(server.url, admin.token);
    const answers: string[] = [];
    for (const directive of ["", "@include(if: true)"]) {
      const response = await gql(server.url, create(directive), { i: input }, admin.token);
      const made = dataOf(response).made;
      expect(made.again).toBe(made.id);
      // The fields each write makes anew: the rest of the answer, key order included, is the same text.
      answers.push(
        JSON.stringify(response.body)
          .replaceAll(made.id, "ID")
          .replaceAll(made.createdAt ?? "-", "AT")
          .replaceAll(made.updatedAt ?? "-", "AT"),
      );
    }
    expect(answers[0]).toBe(answers[1]);
  });

  it("refuses a bad create input naming every bad field, and writes nothing", async () => {
    const { input, fields } = await c.bad(server.url, admin.token);
    const before = await totalOf(server.url, admin.token, c.many);
    const error = errorOf(await gql(server.url, ops(c).create, { i: input }, admin.token));
    expect(error.extensions?.code).toBe("BAD_USER_INPUT");
    expect(error.extensions?.fields.map((f: { field: string }) => f.field).sort()).toEqual(fields);
    expect(await totalOf(server.url, admin.token, c.many)).toBe(before);
  });

  it("refuses null on a required field of an update and leaves the record unchanged", async () => {
    const id = dataOf(await gql(server.url, ops(c).create, { i: await c.create(server.url, admin.token) }, admin.token))[`create${c.type}`]
      .id;
    const before = dataOf(await gql(server.url, ops(c).get, { id }, admin.token))[c.one];
    const required = {
      Agent: "name",
      Contact: "firstName",
      Lead: "status",
      Call: "agentId",
      KnowledgeBaseDocument: "content",
      Integration: "enabled",
    }[c.type]!;
    const error = errorOf(await gql(server.url, ops(c).update, { id, i: { ...c.update, [required]: null } }, admin.token));
    expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", fields: [{ field: `input.${required}` }] });
    expect(dataOf(await gql(server.url, ops(c).get, { id }, admin.token))[c.one]).toEqual(before);
  });

  it("refuses bad list arguments (first above 100, a forged cursor, a reversed range) naming each", async () => {
    const query = `query($f: ${c.type}Filter) { ${c.many}(first: 101, after: "forged", filter: $f) { totalCount } }`;
    const error = errorOf(
      await gql(server.url, query, { f: { createdFrom: "2026-02-02T00:00:00Z", createdTo: "2026-02-01T00:00:00Z" } }, admin.token),
    );
    expect(error.extensions?.code).toBe("BAD_USER_INPUT");
    expect(error.extensions?.fields.map((f: { field: string }) => f.field).sort()).toEqual(["after", "filter.createdTo", "first"]);
  });

  it("answers every operation without a credential with 401", async () => {
    for (const [name, query] of Object.entries(ops(c))) {
      const response = await gql(server.url, query, { id: "00000000-0000-4000-8000-000000000000", i: {} });
      expect([name, response.status, errorOf(response).extensions?.code]).toEqual([name, 401, "UNAUTHENTICATED"]);
    }
  });

  it("answers every operation with 403 for a key without the grant, before anything runs", async () => {
    const other = c.resource === "CALLS" ? "LEADS" : "CALLS";
    const key = await createKey(server.url, admin.token, [{ resource: other, read: true, write: true }]);
    const before = await totalOf(server.url, admin.token, c.many);
    const input = await c.create(server.url, admin.token);
    const expected: Record<string, string[]> = {
      list: [`${grant(c)}:read`],
      get: [`${grant(c)}:read`],
      create: [`${grant(c)}:read`, `${grant(c)}:write`],
      update: [`${grant(c)}:read`, `${grant(c)}:write`],
      delete: [`${grant(c)}:write`],
    };
    for (const [name, query] of Object.entries(ops(c))) {
      const response = await gql(
        server.url,
        query,
        { id: "00000000-0000-4000-8000-000000000000", i: name === "create" ? input : c.update },
        key.secret,
      );
      expect([name, response.status, response.body.data ?? null, errorOf(response).extensions]).toEqual([
        name,
        403,
        null,
        { code: "FORBIDDEN", missingPermissions: expected[name] },
      ]);
    }
    expect(await totalOf(server.url, admin.token, c.many)).toBe(before);
  });
});

function grant(c: ResourceCase): string {
  return c.resource.toLowerCase();
}

it("measures text as PostgreSQL does: a name that fits in UTF-16 units but not in the column is BAD_USER_INPUT, not a server error", async () => {
  const create = "mutation($i: CreateAgentInput!) { createAgent(input: $i) { id name } }";
  // "❤️" is two code points (U+2764 U+FE0F): 150 of them are 300 characters to PostgreSQL, over the column's 200.
  const error = errorOf(await gql(server.url, create, { i: { name: "❤️".repeat(150) } }, admin.token));
  expect(error.extensions).toMatchObject({
    code: "BAD_USER_INPUT",
    fields: [{ field: "input.name", message: "must be at most 200 characters" }],
  });
  const fits = dataOf(await gql(server.url, create, { i: { name: "😀".repeat(200) } }, admin.token)).createAgent;
  expect(fits.name).toBe("😀".repeat(200));
});
