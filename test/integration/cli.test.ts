import { runCli } from "../../src/cli/cli";
import { dataOf, firstRefusal, gql } from "../support/client";
import { expectUnauthenticated } from "../support/assertions";
import { createKey, signUp, uniqueEmail } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";

let server: TestServer;
let printed: string[];
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());
beforeEach(() => {
  printed = [];
  jest.spyOn(console, "log").mockImplementation((line: string) => void printed.push(line));
  jest.spyOn(console, "error").mockImplementation((line: string) => void printed.push(line));
});
afterEach(() => jest.restoreAllMocks());

it("create-workspace makes a workspace and an ADMIN who can sign in, and prints nothing secret", async () => {
  const email = uniqueEmail("cli");
  process.env.GRANTQL_PASSWORD = "operator chosen password";
  try {
    expect(await runCli(["create-workspace", "--name", "From CLI", "--email", email])).toBe(0);
  } finally {
    delete process.env.GRANTQL_PASSWORD;
  }
  expect(printed.join("\n")).toMatch(/created workspace [0-9a-f-]{36} \(From CLI\)/);
  expect(printed.join("\n")).not.toContain("operator chosen password");
  const session = dataOf(
    await gql(
      server.url,
      `mutation($e: String!) { signIn(email: $e, password: "operator chosen password") { member { role } workspace { name } } }`,
      { e: email },
    ),
  );
  expect(session.signIn).toEqual({ member: { role: "ADMIN" }, workspace: { name: "From CLI" } });
});

it("revoke-key is a break-glass revocation the running server honours within a second, audited as the operator's", async () => {
  const admin = await signUp(server.url);
  const key = await createKey(server.url, admin.token);
  dataOf(await gql(server.url, "{ viewer { kind } }", {}, key.secret)); // cached as valid on the server
  const revokedAt = performance.now(); // the CLI's revocation commits after this
  expect(await runCli(["revoke-key", key.id, "--reason", "leaked in a public repo"])).toBe(0);
  expect(printed.join("\n")).toContain(`key ${key.id} (${key.prefix}`);
  const { response, sentAfterMs } = await firstRefusal(server.url, "{ viewer { kind } }", key.secret, revokedAt);
  expectUnauthenticated(response, "REVOKED");
  expect(sentAfterMs).toBeLessThanOrEqual(1000);
  const entry = dataOf(await gql(server.url, "{ auditLog(first: 1) { nodes { action actor { id } targetId details } } }", {}, admin.token))
    .auditLog.nodes[0];
  expect(entry).toMatchObject({
    action: "API_KEY_REVOKED",
    actor: null,
    targetId: key.id,
    details: { reason: "leaked in a public repo", via: "operator-cli" },
  });
});

it("revoke-key with an unknown id fails with a clear message", async () => {
  await expect(runCli(["revoke-key", "00000000-0000-4000-8000-000000000000"])).rejects.toThrow(/No API key/);
});

it("an unknown command prints the usage and exits 2", async () => {
  expect(await runCli(["frobnicate"])).toBe(2);
  expect(printed.join("\n")).toContain("usage: npm run cli");
});
