import { randomUUID } from "node:crypto";
import { dataOf, errorOf, gql, GqlResponse } from "../support/client";
import { PASSWORD, signUp, uniqueEmail } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";

const SIGN_IN = `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`;
// Its own Redis key prefix: these servers lock 127.0.0.1, which every other test file shares.
// A new one per server: counters in Redis outlive the server, and each test starts from none.
const throttleEnv = () => ({
  SIGNIN_SLOWDOWN_AFTER: "3",
  SIGNIN_LOCK_AFTER: "5",
  SIGNIN_LOCK: "10m",
  SIGNIN_IP_LOCK_AFTER: "1000",
  REDIS_KEY_PREFIX: `throttle-${randomUUID()}:`,
});

let server: TestServer;
beforeEach(async () => {
  // A fresh server per test: the counters are per process, and every request here comes from 127.0.0.1.
  server = await startTestServer({ env: throttleEnv() });
});
afterEach(() => server?.stop());

const signIn = (email: string, password: string) => gql(server.url, SIGN_IN, { e: email, p: password });

/** What a client can observe of an answer: status, code, message, Retry-After. */
function shape(response: GqlResponse) {
  const error = response.body.errors?.[0];
  return {
    status: response.status,
    code: error?.extensions?.code,
    message: error?.message,
    retryAfter: response.headers.get("retry-after"),
  };
}

it("after 3 failures the next attempt must wait, answered 429 RATE_LIMITED with Retry-After, and may try again once it has", async () => {
  const admin = await signUp(server.url);
  for (let i = 0; i < 3; i++) expect(errorOf(await signIn(admin.email, "wrong password 123")).message).toBe("invalid email or password");
  const refused = await signIn(admin.email, PASSWORD);
  expect(refused.status).toBe(429);
  expect(errorOf(refused).extensions?.code).toBe("RATE_LIMITED");
  expect(refused.headers.get("retry-after")).toBe("1");
  server.clock.advance(1000);
  expect(dataOf(await signIn(admin.email, PASSWORD)).signIn.token).toMatch(/^gqs_/);
});

it("the wait doubles with each further failure until the e-mail locks for SIGNIN_LOCK", async () => {
  const email = uniqueEmail();
  const waits: string[] = [];
  for (let i = 0; i < 4; i++) {
    await signIn(email, "wrong password 123");
    const refused = await signIn(email, "wrong password 123");
    if (refused.status === 429) {
      waits.push(refused.headers.get("retry-after")!);
      server.clock.advance(Number(refused.headers.get("retry-after")) * 1000);
    }
  }
  expect(waits).toEqual(["1", "2", "600"]);
});

it("after 5 failures the e-mail is locked, even for the right password, until the lock ends", async () => {
  const admin = await signUp(server.url);
  for (let i = 0; i < 5; i++) {
    await signIn(admin.email, "wrong password 123");
    server.clock.advance(60_000); // past each slow-down, so only the lock can refuse
  }
  const locked = await signIn(admin.email, PASSWORD);
  expect(locked.status).toBe(429);
  expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(500);
  server.clock.advance(10 * 60_000);
  expect(dataOf(await signIn(admin.email, PASSWORD)).signIn.token).toMatch(/^gqs_/);
});

it("an unknown e-mail gets exactly the answers a known one gets, so throttling reveals nothing", async () => {
  const admin = await signUp(server.url);
  const unknown = uniqueEmail("nobody");
  const known: ReturnType<typeof shape>[] = [];
  const other: ReturnType<typeof shape>[] = [];
  for (let i = 0; i < 7; i++) {
    known.push(shape(await signIn(admin.email, "wrong password 123")));
    other.push(shape(await signIn(unknown, "wrong password 123")));
    server.clock.advance(500);
  }
  expect(other).toEqual(known);
  expect(known.map((s) => s.status)).toContain(429);
});

it("a member's failed attempts are audited as SIGN_IN_FAILED without the password; throttled attempts and unknown e-mails only reach the log", async () => {
  const admin = await signUp(server.url);
  const unknown = uniqueEmail("nobody");
  for (let i = 0; i < 4; i++) await signIn(admin.email, "wrong password 123"); // the 4th is throttled
  expect((await signIn(unknown, "wrong password 123")).status).toBe(401);
  const log = dataOf(await gql(server.url, `{ auditLog(first: 20) { nodes { action details } } }`, {}, admin.token)).auditLog.nodes;
  const failures = log.filter((e: { action: string }) => e.action === "SIGN_IN_FAILED");
  expect(failures).toHaveLength(3);
  expect(JSON.stringify(log)).not.toContain("wrong password 123");
  const [rows] = await server.dataSource.query(`SELECT count(*)::int AS n FROM audit_entry WHERE details->>'email' = $1`, [unknown]);
  expect(rows.n).toBe(0);
  expect(server.logs()).toContain("sign-in refused: too many failed attempts");
  expect(server.logs()).toContain("sign-in refused: unknown e-mail");
});

it("each sign-up counts once toward the per-address limit, so probing e-mails by signing up is throttled too", async () => {
  await server.stop();
  server = await startTestServer({ env: { ...throttleEnv(), SIGNIN_IP_LOCK_AFTER: "3" } });
  for (let i = 0; i < 3; i++) await signUp(server.url);
  const refused = await gql(server.url, `mutation($input: SignUpInput!) { signUp(input: $input) { token } }`, {
    input: { workspaceName: "Probe", email: uniqueEmail("probe"), password: PASSWORD },
  });
  expect(refused.status).toBe(429);
  expect(errorOf(refused).extensions?.code).toBe("RATE_LIMITED");
  expect((await signIn(uniqueEmail(), "wrong password 123")).status).toBe(429);
});

it("each createMember counts once toward the per-address limit, as a sign-up does, so an ADMIN cannot probe e-mails unthrottled", async () => {
  await server.stop();
  server = await startTestServer({ env: { ...throttleEnv(), SIGNIN_IP_LOCK_AFTER: "3" } });
  const admin = await signUp(server.url);
  const create = (email: string) =>
    gql(
      server.url,
      `mutation($input: CreateMemberInput!) { createMember(input: $input) { id } }`,
      { input: { email, password: PASSWORD, role: "SECURITY" } },
      admin.token,
    );
  expect(errorOf(await create(admin.email)).extensions?.code).toBe("BAD_USER_INPUT");
  expect(dataOf(await create(uniqueEmail("probe"))).createMember.id).toBeDefined();
  const refused = await create(uniqueEmail("probe"));
  expect(refused.status).toBe(429);
  expect(errorOf(refused).extensions?.code).toBe("RATE_LIMITED");
  expect(refused.headers.get("retry-after")).toBeTruthy();
});

it("one client address guessing many e-mails is locked as a whole", async () => {
  await server.stop();
  server = await startTestServer({ env: { ...throttleEnv(), SIGNIN_IP_LOCK_AFTER: "6" } });
  const admin = await signUp(server.url);
  for (let i = 0; i < 6; i++) {
    await signIn(uniqueEmail("spray"), "wrong password 123");
    server.clock.advance(60_000);
  }
  const refused = await signIn(admin.email, PASSWORD);
  expect(refused.status).toBe(429);
  expect(errorOf(refused).extensions?.code).toBe("RATE_LIMITED");
});

it("a bad sign-in input is BAD_USER_INPUT or the same invalid-credentials answer, never a crash", async () => {
  const response = await gql(server.url, SIGN_IN, { e: 42, p: null });
  expect(response.status).toBe(400);
  expect(errorOf(response).extensions?.code).toBe("BAD_USER_INPUT");
});

describe("the client address behind a proxy", () => {
  const spray = async (forwardedFor: (i: number) => string) => {
    for (let i = 0; i < 6; i++) {
      await gql(server.url, SIGN_IN, { e: uniqueEmail("spray"), p: "wrong password 123" }, undefined, {
        "x-forwarded-for": forwardedFor(i),
      });
      server.clock.advance(60_000);
    }
  };

  it("without TRUST_PROXY a forged X-Forwarded-For does not escape the per-address lock", async () => {
    await server.stop();
    server = await startTestServer({ env: { ...throttleEnv(), SIGNIN_IP_LOCK_AFTER: "6" } });
    await spray((i) => `203.0.113.${i}`);
    const refused = await gql(server.url, SIGN_IN, { e: uniqueEmail(), p: "wrong password 123" }, undefined, {
      "x-forwarded-for": "198.51.100.7",
    });
    expect(refused.status).toBe(429);
  });

  it("with TRUST_PROXY=loopback each forwarded client address is counted on its own", async () => {
    await server.stop();
    server = await startTestServer({ env: { ...throttleEnv(), SIGNIN_IP_LOCK_AFTER: "6", TRUST_PROXY: "loopback" } });
    await spray(() => "203.0.113.9");
    const other = await gql(server.url, SIGN_IN, { e: uniqueEmail(), p: "wrong password 123" }, undefined, {
      "x-forwarded-for": "198.51.100.7",
    });
    expect(errorOf(other).extensions?.code).toBe("UNAUTHENTICATED");
    const same = await gql(server.url, SIGN_IN, { e: uniqueEmail(), p: "wrong password 123" }, undefined, {
      "x-forwarded-for": "203.0.113.9",
    });
    expect(same.status).toBe(429);
  });

  it("rotating addresses inside one IPv6 /64 does not escape the per-address lock: the /64 is counted as one", async () => {
    await server.stop();
    server = await startTestServer({ env: { ...throttleEnv(), SIGNIN_IP_LOCK_AFTER: "6", TRUST_PROXY: "loopback" } });
    await spray((i) => `2001:db8:7:1:${i + 1}::${i + 10}`);
    const sameNetwork = await gql(server.url, SIGN_IN, { e: uniqueEmail(), p: "wrong password 123" }, undefined, {
      "x-forwarded-for": "2001:db8:7:1:ffff:ffff:ffff:fffe",
    });
    expect(sameNetwork.status).toBe(429);
    expect(errorOf(sameNetwork).extensions?.code).toBe("RATE_LIMITED");
    const nextNetwork = await gql(server.url, SIGN_IN, { e: uniqueEmail(), p: "wrong password 123" }, undefined, {
      "x-forwarded-for": "2001:db8:7:2::1",
    });
    expect(errorOf(nextNetwork).extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("an IPv4 address and its IPv4-mapped IPv6 form share one budget, for sign-ins and sign-ups", async () => {
    await server.stop();
    server = await startTestServer({ env: { ...throttleEnv(), SIGNIN_IP_LOCK_AFTER: "6", TRUST_PROXY: "loopback" } });
    await spray((i) => (i % 2 === 0 ? "203.0.113.44" : "::ffff:203.0.113.44"));
    const signUpMapped = await gql(
      server.url,
      `mutation($input: SignUpInput!) { signUp(input: $input) { token } }`,
      {
        input: { workspaceName: "Probe", email: uniqueEmail("probe"), password: PASSWORD },
      },
      undefined,
      { "x-forwarded-for": "::ffff:203.0.113.44" },
    );
    expect(signUpMapped.status).toBe(429);
    const signInPlain = await gql(server.url, SIGN_IN, { e: uniqueEmail(), p: "wrong password 123" }, undefined, {
      "x-forwarded-for": "203.0.113.44",
    });
    expect(signInPlain.status).toBe(429);
  });

  it.each([
    ["SIGNIN_LOCK_AFTER", "0"],
    ["SIGNIN_LOCK", "forever"],
    ["TRUST_PROXY", "$(whoami)"],
  ])("%s=%s is a configuration error", async (name, value) => {
    const { loadConfig, ConfigError } = await import("../../src/config");
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
  });
});
