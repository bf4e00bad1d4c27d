import { randomUUID } from "node:crypto";
import { ManualClock } from "../../src/common/clock";
import { gql } from "../support/client";
import { PASSWORD, signUp, type SignedUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const SIGN_IN = `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`;

/** Wrong passwords checked for this member: each one is audited as SIGN_IN_FAILED. */
async function checkedFailures(server: TestServer, member: SignedUp): Promise<number> {
  const [row] = await server.dataSource.query(
    `SELECT count(*)::int AS n FROM audit_entry WHERE action = 'SIGN_IN_FAILED' AND target_id = $1`,
    [member.memberId],
  );
  return row.n;
}

/** `count` wrong guesses sent at once, spread over the servers; the statuses they got, sorted. */
async function burst(servers: TestServer[], email: string, count: number): Promise<number[]> {
  const answers = await Promise.all(
    Array.from({ length: count }, (_, i) => gql(servers[i % servers.length].url, SIGN_IN, { e: email, p: `wrong password ${i}` })),
  );
  return answers.map((a) => a.status).sort();
}

// Without REDIS_URL the counters live in the one process; with it, in Redis, shared by two instances.
describe.each([
  ["in this process", "", 1],
  ["shared through Redis by two instances", REDIS_URL, 2],
])("simultaneous sign-ins with the counters %s", (_title, redisUrl, instances) => {
  const clock = new ManualClock(new Date());
  let servers: TestServer[] = [];
  const start = async (env: Record<string, string>) => {
    const prefix = `concurrent-${randomUUID()}:`;
    const base = { SIGNIN_LOCK: "10m", SIGNIN_IP_LOCK_AFTER: "100000", REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix, ...env };
    servers = await Promise.all(Array.from({ length: instances }, () => startTestServer({ env: base, clock })));
  };
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    servers = [];
  });

  it("of 15 simultaneous wrong guesses only SIGNIN_LOCK_AFTER (5) passwords are checked, and the right password is then locked out", async () => {
    await start({ SIGNIN_SLOWDOWN_AFTER: "1000", SIGNIN_LOCK_AFTER: "5" });
    const member = await signUp(servers[0].url);
    const statuses = await burst(servers, member.email, 15);
    expect(statuses).toEqual([...Array(5).fill(401), ...Array(10).fill(429)]);
    expect(await checkedFailures(servers[0], member)).toBe(5);
    for (const server of servers) expect((await gql(server.url, SIGN_IN, { e: member.email, p: PASSWORD })).status).toBe(429);
  });

  it("with a slow-down after 3 failures, 15 simultaneous guesses get exactly 3 passwords checked", async () => {
    await start({ SIGNIN_SLOWDOWN_AFTER: "3", SIGNIN_LOCK_AFTER: "10" });
    const member = await signUp(servers[0].url);
    const statuses = await burst(servers, member.email, 15);
    expect(statuses).toEqual([...Array(3).fill(401), ...Array(12).fill(429)]);
    expect(await checkedFailures(servers[0], member)).toBe(3);
  });
});
