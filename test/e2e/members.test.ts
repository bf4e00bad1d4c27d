import { hashPassword } from "../../src/auth/password";
import { dataOf, gql } from "../support/client";
import { expectBadInput, expectForbidden, expectUnauthenticated } from "../support/assertions";
import { createKey, createMember, PASSWORD, signUp, uniqueEmail } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { token expiresAt member { id email role } workspace { id name } } }`;
const SIGN_IN = `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token expiresAt member { id role } workspace { id } } }`;
const CREATE_MEMBER = `mutation($input: CreateMemberInput!) { createMember(input: $input) { id email role createdAt } }`;
// Counts are scoped to what one test touches: other test files write to the same database at the same time.
const count = async (sql: string, params: unknown[]) => Number((await server.dataSource.query(sql, params))[0].n);
const workspacesNamed = (name: string) => count("SELECT count(*) AS n FROM workspace WHERE name = $1", [name]);
const membersWithEmail = (email: string) => count("SELECT count(*) AS n FROM member WHERE email_key = lower($1)", [email]);
const membersIn = (workspaceId: string) => count("SELECT count(*) AS n FROM member WHERE workspace_id = $1", [workspaceId]);

describe("signUp", () => {
  it("creates a workspace and its first ADMIN and returns a 12-hour gqs_ session", async () => {
    const email = uniqueEmail();
    const data = dataOf(await gql(server.url, SIGN_UP, { input: { workspaceName: "  Acme Voice  ", email, password: PASSWORD } }));
    expect(data.signUp.token).toMatch(/^gqs_[0-9A-Za-z]{43}$/);
    expect(data.signUp.member).toMatchObject({ email, role: "ADMIN" });
    expect(data.signUp.workspace.name).toBe("Acme Voice");
    expect(new Date(data.signUp.expiresAt).getTime() - server.clock.now().getTime()).toBe(12 * 3600 * 1000);
  });

  it("refuses every bad field at once and writes nothing", async () => {
    const badEmail = `not-an-email-${uniqueEmail().replace("@", "")}`;
    const response = await gql(server.url, SIGN_UP, { input: { workspaceName: " ", email: badEmail, password: "short" } });
    expectBadInput(response, ["input.workspaceName", "input.email", "input.password"]);
    expect(await membersWithEmail(badEmail)).toBe(0);
    const name = `Refused ${uniqueEmail()}`;
    expectBadInput(await gql(server.url, SIGN_UP, { input: { workspaceName: name, email: uniqueEmail(), password: "short" } }), [
      "input.password",
    ]);
    expect(await workspacesNamed(name)).toBe(0);
  });

  it("refuses a workspace name with a control character, as it refuses a key name, and writes nothing", async () => {
    const name = `Bell\u0007 ${uniqueEmail()}`;
    expectBadInput(await gql(server.url, SIGN_UP, { input: { workspaceName: name, email: uniqueEmail(), password: PASSWORD } }), [
      "input.workspaceName",
    ]);
    expect(await workspacesNamed(name)).toBe(0);
  });

  it("refuses an e-mail already registered, in any letter case, and writes nothing", async () => {
    const first = await signUp(server.url);
    const name = `Duplicate ${first.email}`;
    const response = await gql(server.url, SIGN_UP, {
      input: { workspaceName: name, email: first.email.toUpperCase(), password: PASSWORD },
    });
    expectBadInput(response, ["input.email"]);
    expect(await workspacesNamed(name)).toBe(0);
    expect(await membersWithEmail(first.email)).toBe(1);
  });

  it("is refused when SIGNUP_ENABLED=false", async () => {
    const closed = await startTestServer({ env: { SIGNUP_ENABLED: "false" } });
    try {
      const response = await gql(closed.url, SIGN_UP, { input: { workspaceName: "X", email: uniqueEmail(), password: PASSWORD } });
      expectForbidden(response);
    } finally {
      await closed.stop();
    }
  });
});

describe("signIn and signOut", () => {
  it("signs in with the right password and audits it", async () => {
    const admin = await signUp(server.url);
    const data = dataOf(await gql(server.url, SIGN_IN, { e: admin.email.toUpperCase(), p: PASSWORD }));
    expect(data.signIn.member).toEqual({ id: admin.memberId, role: "ADMIN" });
    const log = dataOf(await gql(server.url, "{ auditLog(first: 1) { nodes { action actor { id } targetId } } }", {}, data.signIn.token));
    expect(log.auditLog.nodes[0]).toEqual({ action: "SIGNED_IN", actor: { id: admin.memberId }, targetId: admin.memberId });
  });

  it("says only 'invalid email or password' for a wrong password and for an unknown e-mail", async () => {
    const admin = await signUp(server.url);
    const wrong = await gql(server.url, SIGN_IN, { e: admin.email, p: "wrong password!!" });
    const unknown = await gql(server.url, SIGN_IN, { e: uniqueEmail("nobody"), p: PASSWORD });
    for (const response of [wrong, unknown]) {
      expect(response.status).toBe(401);
      expect(response.body.errors?.[0].message).toBe("invalid email or password");
      expect(response.body.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
    }
    const log = dataOf(await gql(server.url, "{ auditLog(first: 1) { nodes { action targetId details } } }", {}, admin.token));
    expect(log.auditLog.nodes[0]).toMatchObject({ action: "SIGN_IN_FAILED", targetId: admin.memberId });
    expect(JSON.stringify(log.auditLog.nodes[0].details)).not.toContain("wrong password");
  });

  it("a present but bad Authorization header is refused even on signIn", async () => {
    const admin = await signUp(server.url);
    expectUnauthenticated(await gql(server.url, SIGN_IN, { e: admin.email, p: PASSWORD }, "gqk_garbage"), "MALFORMED");
  });

  it("signOut ends the session at once: the next request with it is refused", async () => {
    const admin = await signUp(server.url);
    expect(dataOf(await gql(server.url, "mutation { signOut }", {}, admin.token)).signOut).toBe(true);
    expectUnauthenticated(await gql(server.url, "{ viewer { kind } }", {}, admin.token), "REVOKED");
  });

  it("a session stops working at its expiry instant", async () => {
    const admin = await signUp(server.url);
    server.clock.advance(12 * 3600 * 1000 - 1);
    dataOf(await gql(server.url, "{ viewer { kind } }", {}, admin.token));
    server.clock.advance(1);
    expectUnauthenticated(await gql(server.url, "{ viewer { kind } }", {}, admin.token), "EXPIRED");
  });

  it("signOut needs a member session: 401 without one, 403 for an API key", async () => {
    const admin = await signUp(server.url);
    const key = await createKey(server.url, admin.token);
    expectUnauthenticated(await gql(server.url, "mutation { signOut }"), "MISSING");
    expectForbidden(await gql(server.url, "mutation { signOut }", {}, key.secret));
  });
});

describe("createMember", () => {
  it("an ADMIN adds a SECURITY member who can sign in, and the addition is audited", async () => {
    const admin = await signUp(server.url);
    const email = uniqueEmail("sec");
    const data = dataOf(await gql(server.url, CREATE_MEMBER, { input: { email, password: PASSWORD, role: "SECURITY" } }, admin.token));
    expect(data.createMember).toMatchObject({ email, role: "SECURITY" });
    const session = dataOf(await gql(server.url, SIGN_IN, { e: email, p: PASSWORD }));
    expect(session.signIn.workspace.id).toBe(admin.workspaceId);
    const log = dataOf(await gql(server.url, "{ auditLog(first: 5) { nodes { action actor { id } targetId details } } }", {}, admin.token));
    expect(log.auditLog.nodes).toContainEqual({
      action: "MEMBER_CREATED",
      actor: { id: admin.memberId },
      targetId: data.createMember.id,
      details: { email, role: "SECURITY" },
    });
  });

  it("refuses bad input naming each field, and writes nothing", async () => {
    const admin = await signUp(server.url);
    expectBadInput(await gql(server.url, CREATE_MEMBER, { input: { email: "x@", password: "short", role: "ADMIN" } }, admin.token), [
      "input.email",
      "input.password",
    ]);
    expectBadInput(
      await gql(server.url, CREATE_MEMBER, { input: { email: admin.email, password: PASSWORD, role: "ADMIN" } }, admin.token),
      ["input.email"],
    );
    expect(await membersIn(admin.workspaceId)).toBe(1);
  });

  it("an e-mail taken in another workspace gets the answer one taken in this workspace gets, which says nothing of other workspaces", async () => {
    const admin = await signUp(server.url);
    const elsewhere = await signUp(server.url);
    const messageFor = async (email: string) => {
      const response = await gql(server.url, CREATE_MEMBER, { input: { email, password: PASSWORD, role: "ADMIN" } }, admin.token);
      expectBadInput(response, ["input.email"]);
      return response.body.errors![0].extensions!.fields;
    };
    const otherWorkspace = await messageFor(elsewhere.email.toUpperCase());
    expect(otherWorkspace).toEqual(await messageFor(admin.email));
    expect(otherWorkspace).toEqual([{ field: "input.email", message: "cannot be used for a new member; choose another address" }]);
    expect(await membersIn(admin.workspaceId)).toBe(1);
  });

  it("a taken e-mail is refused before the password is hashed: the refusal costs far less CPU than one scrypt hash", async () => {
    const costly = await startTestServer({ env: { SCRYPT_COST: "16" } });
    try {
      const admin = await signUp(costly.url);
      const cpuOf = async (work: () => Promise<unknown>) => {
        const before = process.cpuUsage();
        await work();
        const used = process.cpuUsage(before);
        return (used.user + used.system) / 1000;
      };
      const oneHash = await cpuOf(() => hashPassword(PASSWORD, 16));
      const input = { input: { email: admin.email, password: PASSWORD, role: "ADMIN" } };
      const refusal = await cpuOf(async () => expectBadInput(await gql(costly.url, CREATE_MEMBER, input, admin.token), ["input.email"]));
      expect(refusal).toBeLessThan(oneHash / 2);
    } finally {
      await costly.stop();
    }
  });

  it("is for ADMINs only: 401 without a token, 403 for SECURITY and for an API key", async () => {
    const admin = await signUp(server.url);
    const security = await createMember(server.url, admin.token, "SECURITY");
    const key = await createKey(server.url, admin.token);
    const input = { input: { email: uniqueEmail(), password: PASSWORD, role: "ADMIN" } };
    expectUnauthenticated(await gql(server.url, CREATE_MEMBER, input), "MISSING");
    expectForbidden(await gql(server.url, CREATE_MEMBER, input, security.token));
    expectForbidden(await gql(server.url, CREATE_MEMBER, input, key.secret));
  });
});

describe("viewer", () => {
  it("tells a member who they are and in which workspace", async () => {
    const admin = await signUp(server.url, "Viewer Co");
    const data = dataOf(
      await gql(server.url, "{ viewer { kind workspace { id name } member { id role } apiKey { id } } }", {}, admin.token),
    );
    expect(data.viewer).toEqual({
      kind: "MEMBER",
      workspace: { id: admin.workspaceId, name: "Viewer Co" },
      member: { id: admin.memberId, role: "ADMIN" },
      apiKey: null,
    });
  });

  it("an API key sees no member through itself: createdBy and revokedBy read null, so no key reads its creator's e-mail; members still see them", async () => {
    const admin = await signUp(server.url);
    const key = await createKey(server.url, admin.token);
    const own = dataOf(
      await gql(server.url, "{ viewer { member { id } apiKey { id createdBy { id email } revokedBy { email } } } }", {}, key.secret),
    );
    expect(own.viewer).toEqual({ member: null, apiKey: { id: key.id, createdBy: null, revokedBy: null } });
    const seen = dataOf(
      await gql(server.url, "query($id: ID!) { apiKey(id: $id) { createdBy { id email } } }", { id: key.id }, admin.token),
    );
    expect(seen.apiKey.createdBy).toEqual({ id: admin.memberId, email: admin.email });
  });

  it("needs a credential", async () => {
    expectUnauthenticated(await gql(server.url, "{ viewer { kind } }"), "MISSING");
  });

  it("introspection needs no credential", async () => {
    const data = dataOf(await gql(server.url, "{ __schema { queryType { name } } __typename }"));
    expect(data.__schema.queryType.name).toBe("Query");
  });
});
