import { randomUUID } from "node:crypto";
import { expectBadInput } from "../support/assertions";
import { gql } from "../support/client";
import { signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { createAgent, createRecord } from "../resources/resource-cases";

// A cursor is opaque, but a client can forge one: what it names must be a position PostgreSQL can
// compare with (src/common/pagination.ts), or the list is refused on `after` before any SQL runs.
let server: TestServer;
let admin: Awaited<ReturnType<typeof signUp>>;
beforeAll(async () => {
  server = await startTestServer();
  admin = await signUp(server.url);
  // Parents for the nested `calls` pages, so their resolvers run.
  const agentId = await createAgent(server.url, admin.token);
  const contactId = await createRecord(server.url, admin.token, "Contact", { firstName: "Ada" });
  await createRecord(server.url, admin.token, "Lead", { name: "Lead", contactId });
  expect(agentId).toBeTruthy();
});
afterAll(() => server.stop());

const forged = (value: unknown[]) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** What the list answers to a cursor that is not one at all: the answer a forged one must get too. */
async function refusedAsGarbage(query: string) {
  const { status, body } = await gql(server.url, query, { after: "not-a-cursor" }, admin.token);
  return { status, body };
}

const page = (list: string) => `query($after: String) { ${list} }`;
const DATE_LISTS: [string, string][] = [
  ["agents", page("agents(after: $after) { totalCount nodes { id } }")],
  ["contacts", page("contacts(after: $after) { totalCount nodes { id } }")],
  ["leads", page("leads(after: $after) { totalCount nodes { id } }")],
  ["calls", page("calls(after: $after) { totalCount nodes { id } }")],
  ["knowledgeBaseDocuments", page("knowledgeBaseDocuments(after: $after) { totalCount nodes { id } }")],
  ["integrations", page("integrations(after: $after) { totalCount nodes { id } }")],
  ["Agent.calls", page("agents(first: 1) { nodes { calls(after: $after) { nodes { id } } } }")],
  ["Contact.calls", page("contacts(first: 1) { nodes { calls(after: $after) { nodes { id } } } }")],
  ["Lead.calls", page("leads(first: 1) { nodes { calls(after: $after) { nodes { id } } } }")],
  ["apiKeys", page("apiKeys(after: $after) { totalCount nodes { id } }")],
  ["members", page("members(after: $after) { totalCount nodes { id } }")],
  ["securityAlerts", page("securityAlerts(after: $after) { totalCount nodes { id } }")],
  ["usageEventLog", page("usageEventLog(after: $after) { totalCount nodes { id } }")],
];

// The earliest instant JavaScript has and one before PostgreSQL's first (4713 BC), which PostgreSQL
// refuses; the latest JavaScript has and the first ones past the four-digit years, which no record has.
const OUT_OF_RANGE_TIMES = [
  "-271821-04-20T00:00:00.000Z",
  "-004714-01-01T00:00:00.000Z",
  "+275760-09-13T00:00:00.000Z",
  "0000-12-31T23:59:59.999Z",
  "+010000-01-01T00:00:00.000Z",
];

describe("a forged cursor naming a time outside the years 0001–9999 is refused on `after`", () => {
  it.each(DATE_LISTS.flatMap(([list, query]) => OUT_OF_RANGE_TIMES.map((at) => [list, at, query] as const)))(
    "%s after %s: BAD_USER_INPUT",
    async (_list, at, query) => {
      const response = await gql(server.url, query, { after: forged([at, randomUUID()]) }, admin.token);
      expectBadInput(response, ["after"]);
      expect(response).toMatchObject(await refusedAsGarbage(query));
    },
  );

  it.each(DATE_LISTS)("%s still pages from a cursor at either end of the range", async (_list, query) => {
    for (const at of ["0001-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"]) {
      const response = await gql(server.url, query, { after: forged([at, randomUUID()]) }, admin.token);
      expect({ at, status: response.status, errors: response.body.errors }).toEqual({ at, status: 200, errors: undefined });
    }
  });
});

describe("a forged audit log cursor beyond PostgreSQL's bigint is refused on `after`", () => {
  const AUDIT = page("auditLog(after: $after) { totalCount nodes { id } }");

  it.each(["9223372036854775808", "9999999999999999999"])("seq %s: BAD_USER_INPUT", async (seq) => {
    const response = await gql(server.url, AUDIT, { after: forged(["seq", seq]) }, admin.token);
    expectBadInput(response, ["after"]);
    expect(response).toMatchObject(await refusedAsGarbage(AUDIT));
  });

  it("the largest bigint is still a cursor", async () => {
    const response = await gql(server.url, AUDIT, { after: forged(["seq", "9223372036854775807"]) }, admin.token);
    expect({ status: response.status, errors: response.body.errors }).toEqual({ status: 200, errors: undefined });
  });
});
