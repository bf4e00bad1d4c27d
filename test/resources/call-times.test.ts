import { expectBadInput } from "../support/assertions";
import { dataOf, gql } from "../support/client";
import { createKey, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { createAgent, createRecord } from "./resource-cases";

// A call's times are bounded on write (src/resources/call.resource.ts, src/resources/resource-rules.ts),
// and durationSeconds is read within GraphQL's Int whatever is stored (src/entities/call.entity.ts).
let server: TestServer;
let admin: Awaited<ReturnType<typeof signUp>>;
let agentId: string;
beforeAll(async () => {
  server = await startTestServer();
  admin = await signUp(server.url);
  agentId = await createAgent(server.url, admin.token);
});
afterAll(() => server.stop());

const CALL = { direction: "INBOUND", fromNumber: "+14155550123", toNumber: "+14155550199" };
const CREATE = `mutation($i: CreateCallInput!) { createCall(input: $i) { id } }`;
const UPDATE = `mutation($id: ID!, $i: UpdateCallInput!) { updateCall(id: $id, input: $i) { startedAt endedAt durationSeconds } }`;

describe("call times are bounded on write", () => {
  it("a calls:write key cannot plant a call from 0001-01-01 to 9999-12-31: both ends are refused by name", async () => {
    const key = await createKey(server.url, admin.token, [{ resource: "CALLS", write: true }]);
    const input = { ...CALL, agentId, startedAt: "0001-01-01T00:00:00Z", endedAt: "9999-12-31T23:59:59Z" };
    const response = await gql(server.url, CREATE, { i: input }, key.secret);
    expectBadInput(response, ["input.startedAt", "input.endedAt"]);
    expect(response.body.errors![0].extensions!.fields).toEqual([
      { field: "input.startedAt", message: "must be from 1970-01-01T00:00:00.000Z to 2099-12-31T23:59:59.999Z" },
      { field: "input.endedAt", message: "must be from 1970-01-01T00:00:00.000Z to 2099-12-31T23:59:59.999Z" },
    ]);
  });

  it.each([
    ["a start before 1970", { startedAt: "1969-12-31T23:59:59.999Z" }, "input.startedAt", /1970-01-01/],
    ["an end in 2100", { endedAt: "2100-01-01T00:00:00.000Z" }, "input.endedAt", /2099-12-31/],
    [
      "a call of 7 days and 1 ms",
      { startedAt: "2026-01-01T00:00:00.000Z", endedAt: "2026-01-08T00:00:00.001Z" },
      "input.endedAt",
      /7 days/,
    ],
  ])("createCall refuses %s, naming the field and the rule", async (_label, times, field, rule) => {
    const response = await gql(server.url, CREATE, { i: { ...CALL, agentId, ...times } }, admin.token);
    expectBadInput(response, [field]);
    expect(response.body.errors![0].extensions!.fields[0].message).toMatch(rule);
  });

  it.each([
    [
      "the first instant and a call of exactly 7 days",
      { startedAt: "1970-01-01T00:00:00.000Z", endedAt: "1970-01-08T00:00:00.000Z" },
      604_800,
    ],
    ["the last instant at both ends", { startedAt: "2099-12-31T23:59:59.999Z", endedAt: "2099-12-31T23:59:59.999Z" }, 0],
  ])("createCall accepts %s", async (_label, times, seconds) => {
    const created = dataOf(
      await gql(
        server.url,
        `mutation($i: CreateCallInput!) { createCall(input: $i) { durationSeconds } }`,
        { i: { ...CALL, agentId, ...times } },
        admin.token,
      ),
    ).createCall;
    expect(created).toEqual({ durationSeconds: seconds });
  });

  it.each([
    ["an end 8 days after the start", { endedAt: "2026-01-09T10:00:00.000Z" }, "input.endedAt", /7 days/],
    ["a start 8 days before the end", { startedAt: "2025-12-24T10:00:00.000Z" }, "input.startedAt", /7 days/],
    ["a start in 1960", { startedAt: "1960-01-01T00:00:00.000Z" }, "input.startedAt", /1970-01-01/],
    ["an end in 9999", { endedAt: "9999-12-31T23:59:59.000Z" }, "input.endedAt", /2099-12-31/],
  ])("updateCall refuses %s, naming the field and the rule, and keeps the call", async (_label, times, field, rule) => {
    const id = await createRecord(server.url, admin.token, "Call", {
      ...CALL,
      agentId,
      startedAt: "2026-01-01T10:00:00.000Z",
      endedAt: "2026-01-01T10:05:00.000Z",
    });
    const response = await gql(server.url, UPDATE, { id, i: times }, admin.token);
    expectBadInput(response, [field]);
    expect(response.body.errors![0].extensions!.fields[0].message).toMatch(rule);
    const call = dataOf(await gql(server.url, `query($id: ID!) { call(id: $id) { durationSeconds } }`, { id }, admin.token)).call;
    expect(call).toEqual({ durationSeconds: 300 });
  });
});

describe("durationSeconds of a call already stored with an extreme span reads without error", () => {
  const INT_MAX = 2_147_483_647;
  let ids: { long: string; overInt: string };
  beforeAll(async () => {
    // Rows as the unbounded write path stored them: straight into the table, past every input rule.
    const plant = async (startedAt: string, endedAt: string) => {
      const [row] = await server.dataSource.query(
        `INSERT INTO call (workspace_id, agent_id, direction, status, from_number, to_number, started_at, ended_at, created_at, updated_at)
         VALUES ($1, $2, 'INBOUND', 'COMPLETED', '+14155550123', '+14155550199', $3, $4, now(), now()) RETURNING id`,
        [admin.workspaceId, agentId, startedAt, endedAt],
      );
      return row.id as string;
    };
    ids = {
      long: await plant("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"),
      // 69 years: the shortest kind of span whose seconds pass 2^31 − 1.
      overInt: await plant("1960-01-01T00:00:00Z", "2029-01-01T00:00:00Z"),
    };
  });

  const READS: [string, string, (data: any) => { id: string; durationSeconds: number | null }[]][] = [
    ["in the calls list", `{ calls(first: 100) { nodes { id durationSeconds } } }`, (d) => d.calls.nodes],
    [
      "nested under their agent",
      `query($a: ID!) { agent(id: $a) { calls(first: 100) { nodes { id durationSeconds } } } }`,
      (d) => d.agent.calls.nodes,
    ],
    [
      "in the agents list's nested calls",
      `{ agents { nodes { calls(first: 100) { edges { node { id durationSeconds } } } } } }`,
      (d) => d.agents.nodes[0].calls.edges.map((e: any) => e.node),
    ],
    [
      "by id",
      `query($l: ID!, $r: ID!) { long: call(id: $l) { id durationSeconds } overInt: call(id: $r) { id durationSeconds } }`,
      (d) => [d.long, d.overInt],
    ],
  ];

  it.each(READS)("%s: clamped to GraphQL's Int", async (_label, query, nodes) => {
    const data = dataOf(await gql(server.url, query, { a: agentId, l: ids.long, r: ids.overInt }, admin.token));
    const read = new Map(nodes(data).map((n) => [n.id, n.durationSeconds]));
    expect({ long: read.get(ids.long), overInt: read.get(ids.overInt) }).toEqual({ long: INT_MAX, overInt: INT_MAX });
  });

  it("analytics averages the same clamped durations", async () => {
    const average = async (from: string, to: string) =>
      dataOf(
        await gql(
          server.url,
          `query($f: DateTime, $t: DateTime) { analytics(from: $f, to: $t) { averageCallDurationSeconds } }`,
          { f: from, t: to },
          admin.token,
        ),
      ).analytics.averageCallDurationSeconds;
    expect(await average("0001-01-01T00:00:00Z", "0001-12-31T00:00:00Z")).toBe(INT_MAX);
  });
});
