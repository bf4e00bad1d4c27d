import { randomUUID } from "node:crypto";
import { dataOf, gql } from "../support/client";
import { createKey, createMember, PASSWORD, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { Case, CorpusContext } from "./hostile-cases";
import { transportCases } from "./hostile-http-cases";
import { inputCases } from "./hostile-input-cases";
import { resourceCases } from "./hostile-resource-cases";
import { CLEAR_CODES, fingerprint } from "./hostile-support";
import { wsCases } from "./hostile-ws-cases";

let server: TestServer;
let ctx: CorpusContext;

beforeAll(async () => {
  // Sign-in throttling has its own tests; here it would only turn later signIn cases into 429s.
  server = await startTestServer({ env: { SIGNIN_SLOWDOWN_AFTER: "1000", SIGNIN_LOCK_AFTER: "1000", SIGNIN_IP_LOCK_AFTER: "100000" } });
  const admin = await signUp(server.url, "Hostile corpus");
  const security = await createMember(server.url, admin.token, "SECURITY");
  const key = await createKey(server.url, admin.token);
  const revoked = await createKey(server.url, admin.token);
  dataOf(await gql(server.url, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: revoked.id }, admin.token));
  const other = await signUp(server.url, "Another workspace");
  const otherKey = await createKey(server.url, other.token);
  const session = dataOf(
    await gql(server.url, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`, {
      e: admin.email,
      p: PASSWORD,
    }),
  ).signIn.token;
  dataOf(await gql(server.url, "mutation { signOut }", {}, session));
  ctx = {
    url: server.url,
    port: server.port,
    wsUrl: server.wsUrl,
    tag: `hostile${randomUUID().slice(0, 8)}`,
    admin,
    security,
    key,
    revokedKeySecret: revoked.secret,
    otherWorkspaceKeyId: otherKey.id,
    signedOutToken: session,
    freshKey: () => createKey(server.url, admin.token),
  };
}, 60_000);
afterAll(() => server?.stop());

const httpCases: Case[] = [...transportCases(), ...inputCases(), ...resourceCases()];

describe("hostile input over HTTP", () => {
  it.each(httpCases.map((c) => [c.name, c] as const))(
    "%s → a 4xx or a clear code, never a 5xx; a refused write changes nothing",
    async (_name, c) => {
      const prepared = await c.prepare?.(ctx);
      const before = c.write ? await fingerprint(server.dataSource, ctx.admin.workspaceId, ctx.tag) : null;
      const answer = await c.run(ctx, prepared);
      expect(answer.status).toBeGreaterThanOrEqual(200);
      expect(answer.status).toBeLessThan(500);
      const errors = answer.json?.errors ?? [];
      for (const error of errors) expect(CLEAR_CODES).toContain(error.extensions?.code);
      const refused = answer.status >= 400 || errors.length > 0;
      if (!refused) {
        expect({ case: c.name, succeeded: true, allowed: !!c.expect?.success }).toEqual({ case: c.name, succeeded: true, allowed: true });
        c.expect!.success!(answer.json?.data);
        return;
      }
      const expected = c.expect ?? {};
      if (expected.status !== undefined) expect([expected.status].flat()).toContain(answer.status);
      if (expected.codes && errors.length > 0) expect(expected.codes).toContain(errors[0].extensions?.code);
      if (expected.fields && errors[0]?.extensions?.code === "BAD_USER_INPUT") {
        expect((errors[0].extensions!.fields as { field: string }[]).map((f) => f.field)).toEqual(expect.arrayContaining(expected.fields));
      }
      if (c.write) expect(await fingerprint(server.dataSource, ctx.admin.workspaceId, ctx.tag)).toBe(before);
    },
  );
});

describe("hostile input over WebSocket", () => {
  it.each(wsCases().map((c) => [c.name, c] as const))(
    "%s → closed with a 44xx code or answered with a clear error, never 1011",
    async (_name, c) => {
      const outcome = await c.run(ctx);
      expect(outcome.closeCode).not.toBe(1011);
      if (c.expect.closeCodes) expect(c.expect.closeCodes).toContain(outcome.closeCode);
      if (c.expect.errorCode) {
        const error = outcome.messages.find((m) => m.type === "error");
        expect(error).toBeDefined();
        expect(c.expect.errorCode).toContain(error!.payload[0]?.extensions?.code);
        expect(JSON.stringify(error!.payload)).not.toMatch(/did you mean/i);
      }
    },
  );
});

it("the server still serves normally after the whole corpus", async () => {
  expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
  expect(dataOf(await gql(server.url, "{ viewer { kind } }", {}, ctx.admin.token)).viewer.kind).toBe("MEMBER");
  expect(server.logs()).not.toMatch(/"level":(50|60)/);
});
