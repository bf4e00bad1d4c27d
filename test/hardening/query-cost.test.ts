import { dataOf, errorOf, gql } from "../support/client";
import { signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";

// The cost model and limit are in src/server/guards/query-cost.ts and the README (Limits).
let server: TestServer;
let admin: Awaited<ReturnType<typeof signUp>>;
beforeAll(async () => {
  server = await startTestServer();
  admin = await signUp(server.url);
});
afterAll(() => server.stop());

const BENCH_READ = (agents: number) =>
  `{ agents(first: ${agents}) { nodes { id name calls(first: 10) { nodes { id status durationSeconds contact { firstName } } } } } }`;
// Contact.leads is a plain list (it takes no `first`); Lead.calls is a page.
const NESTED = (n: string) =>
  `agents(first: ${n}) { nodes { calls(first: ${n}) { nodes { contact { leads { calls(first: ${n}) { nodes { id } } } } } } } }`;

const refusedForCost = (response: Awaited<ReturnType<typeof gql>>) => {
  expect(response.status).toBe(400);
  expect(errorOf(response).extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  expect(errorOf(response).message).toMatch(/cost limit of 50000 exceeded/i);
  expect(response.body.data).toBeUndefined();
};

describe("everyday reads fit under the cost limit", () => {
  it.each([
    ["every page at its default size", "{ agents { nodes { calls { nodes { id } } } } }"],
    ["agents(first: 10) × calls(first: 10) with contact", BENCH_READ(10)],
    ["agents(first: 100) × calls(first: 10) with contact", BENCH_READ(100)],
  ])("%s runs", async (_label, query) => {
    expect(dataOf(await gql(server.url, query, {}, admin.token)).agents.nodes).toEqual([]);
  });
});

describe("page sizes count however they are given", () => {
  it("agents(100) → calls(100) → contact → leads → calls(100) is refused as a literal", async () => {
    refusedForCost(await gql(server.url, `{ ${NESTED("100")} }`, {}, admin.token));
  });

  it("the same page sizes given by a variable are refused the same way", async () => {
    refusedForCost(await gql(server.url, `query($n: Int) { ${NESTED("$n")} }`, { n: 100 }, admin.token));
  });

  it("the same page sizes given by a variable's default are refused the same way", async () => {
    refusedForCost(await gql(server.url, `query($n: Int = 100) { ${NESTED("$n")} }`, {}, admin.token));
  });

  it("an omitted first counts as the argument's default (20): the nested read is refused without any first, and runs with first: 1", async () => {
    // 20 × 20 × 20 calls of 7 fields: over the limit only if the omitted sizes count.
    const page = (first: string) => (first ? `(first: ${first})` : "");
    const read = (first: string) =>
      `{ agents${page(first)} { nodes { calls${page(first)} { nodes { contact { leads { calls${page(first)} { nodes { id direction status fromNumber toNumber startedAt durationSeconds } } } } } } } } }`;
    refusedForCost(await gql(server.url, read(""), {}, admin.token));
    expect(dataOf(await gql(server.url, read("1"), {}, admin.token)).agents.nodes).toEqual([]);
  });

  it("a literal and the same value through a variable get the same answer, on both sides of the limit", async () => {
    for (const n of [1, 10, 100]) {
      const literal = await gql(server.url, `{ ${NESTED(String(n))} }`, {}, admin.token);
      const variable = await gql(server.url, `query($n: Int) { ${NESTED("$n")} }`, { n }, admin.token);
      expect({ n, status: variable.status, body: variable.body }).toEqual({ n, status: literal.status, body: literal.body });
    }
  });
});
