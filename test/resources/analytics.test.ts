import { ManualClock } from "../../src/common/clock";
import { dataOf, errorOf, gql } from "../support/client";
import { createKey, createMember, PASSWORD, signUp, SignedUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { createAgent, createRecord } from "./resource-cases";

/**
 * A known data set: five calls (one outside every range asked, one that never started and so
 * counts at its creation) and four leads, in a workspace of its own.
 */
const NOW = new Date("2026-03-10T12:00:00.000Z");
let server: TestServer;
let admin: SignedUp;
let ava: string;
let bob: string;

const FIGURES = `totalCalls completedCalls averageCallDurationSeconds callsPerDay { day count } leadsByStatus { status count } conversionRate agentStats { agentId calls averageDurationSeconds agent { name } }`;
const ANALYTICS = `query($from: DateTime, $to: DateTime) { analytics(from: $from, to: $to) { ${FIGURES} } }`;

async function call(agentId: string, input: Record<string, unknown>): Promise<void> {
  await createRecord(server.url, admin.token, "Call", {
    agentId,
    direction: "INBOUND",
    fromNumber: "+14155550100",
    toNumber: "+14155550101",
    ...input,
  });
}

beforeAll(async () => {
  const clock = new ManualClock(new Date("2026-03-02T08:00:00.000Z"));
  server = await startTestServer({ clock });
  admin = await signUp(server.url);
  ava = await createAgent(server.url, admin.token, { name: "Ava" });
  bob = await createAgent(server.url, admin.token, { name: "Bob" });
  await call(ava, { status: "COMPLETED", startedAt: "2026-03-01T10:00:00.000Z", endedAt: "2026-03-01T10:01:00.000Z" }); // 60 s
  await call(ava, { status: "COMPLETED", startedAt: "2026-03-01T23:59:59.000Z", endedAt: "2026-03-02T00:00:29.900Z" }); // 30 s, counted on Mar 1
  await call(bob, { status: "FAILED", startedAt: "2026-03-03T00:00:00.000Z" }); // no end: no duration
  await call(bob, { status: "COMPLETED", startedAt: "2026-01-05T09:00:00.000Z", endedAt: "2026-01-05T09:10:00.000Z" }); // outside
  for (const status of ["NEW", "CONVERTED", "CONVERTED", "LOST"])
    await createRecord(server.url, admin.token, "Lead", { name: `Lead ${status}`, status });
  clock.set(NOW);
  // Eight days on, the first session has expired: sign in again.
  const session = dataOf(
    await gql(server.url, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`, {
      e: admin.email,
      p: PASSWORD,
    }),
  );
  admin = { ...admin, token: session.signIn.token };
  await call(bob, { status: "QUEUED" }); // never started: counts at createdAt, Mar 10
});
afterAll(() => server.stop());

it("computes every figure over a range from the known data set, empty days as 0", async () => {
  const data = dataOf(
    await gql(server.url, ANALYTICS, { from: "2026-03-01T00:00:00.000Z", to: "2026-03-04T23:59:59.999Z" }, admin.token),
  ).analytics;
  expect(data).toEqual({
    totalCalls: 3,
    completedCalls: 2,
    averageCallDurationSeconds: 45,
    callsPerDay: [
      { day: "2026-03-01T00:00:00.000Z", count: 2 },
      { day: "2026-03-02T00:00:00.000Z", count: 0 },
      { day: "2026-03-03T00:00:00.000Z", count: 1 },
      { day: "2026-03-04T00:00:00.000Z", count: 0 },
    ],
    leadsByStatus: [
      { status: "NEW", count: 1 },
      { status: "CONTACTED", count: 0 },
      { status: "QUALIFIED", count: 0 },
      { status: "CONVERTED", count: 2 },
      { status: "LOST", count: 1 },
    ],
    conversionRate: 0.5,
    agentStats: [
      { agentId: ava, calls: 2, averageDurationSeconds: 45, agent: { name: "Ava" } },
      { agentId: bob, calls: 1, averageDurationSeconds: null, agent: { name: "Bob" } },
    ],
  });
});

it("defaults to the last 30 days from the server's clock, counting a call that never started at its creation", async () => {
  const data = dataOf(await gql(server.url, ANALYTICS, {}, admin.token)).analytics;
  expect(data.totalCalls).toBe(4);
  expect(data.callsPerDay).toHaveLength(31); // Feb 8 (12:00) … Mar 10 (12:00), both days included
  expect(data.callsPerDay[0].day).toBe("2026-02-08T00:00:00.000Z");
  expect(data.callsPerDay.at(-1)).toEqual({ day: "2026-03-10T00:00:00.000Z", count: 1 });
  expect(data.callsPerDay.reduce((sum: number, d: { count: number }) => sum + d.count, 0)).toBe(4);
});

it("answers an empty range with zeros, nulls and no agents", async () => {
  const data = dataOf(
    await gql(server.url, ANALYTICS, { from: "2025-06-01T00:00:00.000Z", to: "2025-06-03T10:00:00.000Z" }, admin.token),
  ).analytics;
  expect(data).toMatchObject({ totalCalls: 0, completedCalls: 0, averageCallDurationSeconds: null, conversionRate: null, agentStats: [] });
  expect(data.callsPerDay.map((d: { count: number }) => d.count)).toEqual([0, 0, 0]);
  expect(data.leadsByStatus.every((s: { count: number }) => s.count === 0)).toBe(true);
});

it.each([
  ["from after to", { from: "2026-03-05T00:00:00.000Z", to: "2026-03-01T00:00:00.000Z" }],
  ["a range longer than a year", { from: "2024-01-01T00:00:00.000Z", to: "2026-03-01T00:00:00.000Z" }],
  ["from after the default to (now)", { from: "2026-04-01T00:00:00.000Z" }],
])("refuses %s with BAD_USER_INPUT naming from", async (_name, vars) => {
  const error = errorOf(await gql(server.url, ANALYTICS, vars, admin.token));
  expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", fields: [{ field: "from" }] });
});

it("needs a credential (401) and analytics:read (403), and agents:read for agentStats.agent", async () => {
  expect((await gql(server.url, `{ analytics { totalCalls } }`)).status).toBe(401);
  const callsOnly = await createKey(server.url, admin.token, [{ resource: "CALLS", read: true }]);
  expect(errorOf(await gql(server.url, `{ analytics { totalCalls } }`, {}, callsOnly.secret)).extensions).toEqual({
    code: "FORBIDDEN",
    missingPermissions: ["analytics:read"],
  });
  const analyticsOnly = await createKey(server.url, admin.token, [{ resource: "ANALYTICS", read: true }]);
  expect(
    dataOf(await gql(server.url, `{ analytics { totalCalls agentStats { agentId calls } } }`, {}, analyticsOnly.secret)).analytics
      .totalCalls,
  ).toBe(4);
  const withAgent = await gql(server.url, `{ analytics { agentStats { agent { name } } } }`, {}, analyticsOnly.secret);
  expect([withAgent.status, errorOf(withAgent).extensions?.missingPermissions]).toEqual([403, ["agents:read"]]);
  const security = await createMember(server.url, admin.token, "SECURITY");
  expect(errorOf(await gql(server.url, `{ analytics { totalCalls } }`, {}, security.token)).extensions?.missingPermissions).toEqual([
    "analytics:read",
  ]);
});

it("counts only the caller's workspace", async () => {
  const other = await signUp(server.url, "Other");
  const data = dataOf(await gql(server.url, ANALYTICS, {}, other.token)).analytics;
  expect(data).toMatchObject({ totalCalls: 0, agentStats: [], conversionRate: null });
});
