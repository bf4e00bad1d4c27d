import { dataOf, gql } from "../support/client";
import { createKey, createMember, PASSWORD, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { Case, CLEAR_CODE_LIST, CorpusContext, corpusTag } from "./hostile-cases";
import { transportCases } from "./hostile-http-cases";
import { inputCases } from "./hostile-input-cases";
import { resourceCases } from "./hostile-resource-cases";
import { CLEAR_CODES, fingerprint, outsideTheClosedSet } from "./hostile-support";
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
  const agent = dataOf(await gql(server.url, `mutation { createAgent(input: { name: "Corpus agent" }) { id } }`, {}, admin.token));
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
    tag: corpusTag(),
    admin,
    security,
    key,
    revokedKeySecret: revoked.secret,
    otherWorkspaceKeyId: otherKey.id,
    agentId: agent.createAgent.id,
    signedOutToken: session,
    freshKey: () => createKey(server.url, admin.token),
  };
}, 60_000);
afterAll(() => server?.stop());

const httpCases: Case[] = [...transportCases(), ...inputCases(), ...resourceCases()];

describe("hostile input over HTTP", () => {
  it.each(httpCases.map((c) => [c.name, c] as const))(
    "%s → exactly its one expected outcome; a refused write changes nothing",
    async (_name, c) => {
      const prepared = await c.prepare?.(ctx);
      // Only a write expected to be refused needs the snapshot: an accepted one reads back what it stored.
      const refusedWrite = c.write === true && "refused" in c.expect;
      const before = refusedWrite ? await fingerprint(server.dataSource, ctx.admin.workspaceId, ctx.tag) : null;
      const answer = await c.run(ctx, prepared);
      const errors = answer.json?.errors ?? [];
      const outcome = { status: answer.status, codes: errors.map((e) => e.extensions?.code) };
      // Whatever the case expects, no answer carries a code or reason outside the closed sets.
      expect(outsideTheClosedSet(errors)).toEqual([]);
      if ("accepted" in c.expect) {
        expect(outcome).toEqual({ status: 200, codes: [] });
        await c.expect.accepted(answer.json?.data, ctx);
        return;
      }
      const { status, code, fields } = c.expect.refused;
      if (code !== null) expect(CLEAR_CODES).toContain(code);
      // Every error carries the one expected code; `null`: Node's HTTP parser refused, no GraphQL answer.
      expect(outcome).toEqual({ status, codes: code === null ? [] : errors.map(() => code) });
      if (code !== null) expect(errors.length).toBeGreaterThan(0);
      // BAD_USER_INPUT names its fields in `fields`, NOT_FOUND its argument in `field`.
      const named = errors.flatMap((e) =>
        code === "NOT_FOUND" ? [e.extensions?.field] : ((e.extensions?.fields ?? []) as { field: string }[]).map((f) => f.field),
      );
      expect(named).toEqual(fields ?? []);
      if (refusedWrite) expect(await fingerprint(server.dataSource, ctx.admin.workspaceId, ctx.tag)).toBe(before);
    },
  );
});

describe("hostile input over WebSocket", () => {
  it.each(wsCases().map((c) => [c.name, c] as const))("%s → exactly its one expected close code or error, never 1011", async (_name, c) => {
    const outcome = await c.run(ctx);
    if ("closeCode" in c.expect) {
      expect({ closeCode: outcome.closeCode, errors: outcome.messages.filter((m) => m.type === "error") }).toEqual({
        closeCode: c.expect.closeCode,
        errors: [],
      });
      return;
    }
    const { errorCode } = c.expect;
    expect(CLEAR_CODES).toContain(errorCode);
    const errors = outcome.messages.filter((m) => m.type === "error");
    expect(errors).toHaveLength(1);
    expect(outsideTheClosedSet(errors[0].payload as { extensions?: Record<string, unknown> }[])).toEqual([]);
    const codes = (errors[0].payload as { extensions?: { code?: string } }[]).map((e) => e.extensions?.code);
    expect(codes).toEqual(codes.map(() => errorCode));
    expect(codes.length).toBeGreaterThan(0);
    expect(outcome.messages.some((m) => m.type === "next")).toBe(false);
    expect(JSON.stringify(errors[0].payload)).not.toMatch(/did you mean/i);
  });
});

it("the closed-set check names a code or a reason outside the set, or a reason with another code", () => {
  const answer = [
    { extensions: { code: "FORBIDDEN", reason: "IP_NOT_ALLOWED" } },
    { extensions: { code: "TEAPOT" } },
    { extensions: { code: "FORBIDDEN", reason: "MISSING" } },
    { extensions: { code: "RATE_LIMITED", reason: "SLOW_DOWN" } },
  ];
  expect(outsideTheClosedSet(answer)).toEqual(["code TEAPOT", "reason MISSING with FORBIDDEN", "reason SLOW_DOWN with RATE_LIMITED"]);
});

it("the corpus expects only codes of the closed set docs/API.md publishes (less 5xx)", () => {
  expect([...CLEAR_CODES].sort()).toEqual([...CLEAR_CODE_LIST].sort());
});

it("the server still serves normally after the whole corpus", async () => {
  expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
  expect(dataOf(await gql(server.url, "{ viewer { kind } }", {}, ctx.admin.token)).viewer.kind).toBe("MEMBER");
  expect(server.logs()).not.toMatch(/"level":(50|60)/);
});
