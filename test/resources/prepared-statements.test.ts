import { PREPARED_PER_CONNECTION } from "../../src/db/prepared-query";
import { PLAN_CACHE_BYTES } from "../../src/resources/read-path";
import { dataOf, gql } from "../support/client";
import { signUp, SignedUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { createAgent } from "./resource-cases";

const POOL = 2;
let server: TestServer;
let admin: SignedUp;

beforeAll(async () => {
  server = await startTestServer({ env: { DB_POOL_MAX: String(POOL) } });
  admin = await signUp(server.url);
  await createAgent(server.url, admin.token, { name: "Solo" });
});
afterAll(() => server.stop());

/** Document `n`: 30 aliased root lists, each planned and run as a statement of its own. */
function document(n: number, selection = "nodes { name }", first = (i: number) => 1 + i): string {
  const fields = Array.from({ length: 30 }, (_, i) => `d${n}_${i}: agents(first: ${first(i)}) { ...S }`);
  return `{ ${fields.join(" ")} } fragment S on AgentConnection { ${selection} }`;
}

/** The read path's named statements each connection of its pool holds, read on every connection at once. */
async function preparedPerConnection(): Promise<string[][]> {
  const pool = server.services.readPool;
  const clients = await Promise.all(Array.from({ length: POOL }, () => pool.connect()));
  try {
    return await Promise.all(
      clients.map(async (client) => {
        const { rows } = await client.query<{ statement: string }>(
          "SELECT statement FROM pg_prepared_statements WHERE name LIKE 'grantql_read_%'",
        );
        return rows.map((r) => r.statement);
      }),
    );
  } finally {
    for (const client of clients) client.release();
  }
}

describe("prepared statements of the read path", () => {
  it(`many distinct documents never leave more than ${PREPARED_PER_CONNECTION} named statements on a connection, and a new document after 500 plans still runs named`, async () => {
    for (let n = 0; n < 20; n++) {
      const data = dataOf(await gql(server.url, document(n), {}, admin.token));
      expect(data[`d${n}_29`].nodes).toEqual([{ name: "Solo" }]);
    }
    // 600 plans so far; the next one selects a field no earlier one did, so its statement is recognisable.
    const last = dataOf(await gql(server.url, "{ agents(first: 7) { nodes { voice language } } }", {}, admin.token));
    expect(last.agents.nodes).toEqual([{ voice: null, language: "en-US" }]);
    const held = await preparedPerConnection();
    for (const statements of held) expect(statements.length).toBeLessThanOrEqual(PREPARED_PER_CONNECTION);
    // Read as a response key: the one-statement creates name the column too, in their INSERT.
    expect(held.flat().filter((sql) => sql.includes('AS "language"'))).toHaveLength(1);
  });

  it("an evicted statement is prepared again when it runs again, and answers the same", async () => {
    const first = dataOf(await gql(server.url, document(1000), {}, admin.token));
    for (let n = 1001; n < 1006; n++) dataOf(await gql(server.url, document(n), {}, admin.token)); // evicts document 1000's
    expect(dataOf(await gql(server.url, document(1000), {}, admin.token))).toEqual(first);
    for (const statements of await preparedPerConnection()) expect(statements.length).toBeLessThanOrEqual(PREPARED_PER_CONNECTION);
  });

  it("the plans cached in this process stay within their byte budget", async () => {
    const call = "id direction status fromNumber toNumber startedAt endedAt durationSeconds summary createdAt updatedAt";
    const agent = "id name language voice prompt status createdAt updatedAt knowledgeBase { id title sourceUrl createdAt }";
    // Unpaged lists count 100 each in the cost limit: the nested agent and contact select none, so 30 aliases stay within it.
    const inner = "id name language voice prompt status createdAt updatedAt";
    const wide = `nodes { ${agent} calls(first: 2) { totalCount nodes { ${call} contact { id firstName lastName email } lead { id name score status contact { id firstName } } agent { ${inner} calls(first: 2) { totalCount nodes { ${call} } } } } } }`;
    const reads = server.services.resources.reads as unknown as { cache: Map<unknown, { plans: Map<string, { sql: string } | null> }> };
    let sqlChars = 0;
    for (let n = 0; sqlChars <= PLAN_CACHE_BYTES / 4 && n < 400; n++) {
      dataOf(
        await gql(
          server.url,
          document(2000 + n, wide, () => 1),
          {},
          admin.token,
        ),
      );
      // One plan per operation, all its root fields in one statement.
      for (const plan of Array.from(reads.cache.values())[0]?.plans.values() ?? []) sqlChars += plan ? plan.sql.length : 0;
    }
    let held = 0;
    for (const cached of reads.cache.values()) for (const plan of cached.plans.values()) held += plan ? plan.sql.length : 0;
    expect(sqlChars).toBeGreaterThan(PLAN_CACHE_BYTES / 4); // more SQL than the budget was planned …
    expect(held).toBeLessThanOrEqual(PLAN_CACHE_BYTES / 4); // … and less of it is held
  }, 120_000);
});
