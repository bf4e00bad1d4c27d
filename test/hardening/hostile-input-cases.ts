import { randomUUID } from "node:crypto";
import { PASSWORD } from "../support/factories";
import { Case, CorpusContext, HOSTILE_STRINGS } from "./hostile-cases";
import { Answer, post, send } from "./hostile-support";

const CREATE_KEY = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id name permissions { resource read write } expiresAt } } }`;
const UPDATE_KEY = `mutation($id: ID!, $input: UpdateApiKeyInput!) { updateApiKey(id: $id, input: $input) { id name } }`;
const REVOKE_KEY = `mutation($id: ID!, $reason: String) { revokeApiKey(id: $id, reason: $reason) { id revocationReason } }`;
const ROTATE_KEY = `mutation($id: ID!, $gracePeriodSeconds: Int) { rotateApiKey(id: $id, gracePeriodSeconds: $gracePeriodSeconds) { secret } }`;
const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { workspace { name } member { email } } }`;
const CREATE_MEMBER = `mutation($input: CreateMemberInput!) { createMember(input: $input) { email role } }`;
const SIGN_IN = `mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { token } }`;
const READ = [{ resource: "CALLS", read: true }];
const base64url = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** Trimmed text that stays as sent (or refused), never altered on the way to the database. */
const sameText = (sent: string) => (received: string) => expect([sent, sent.trim()]).toContain(received);

function queryShapeCases(): Case[] {
  const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(" ")} }`;
  /** Depth n + 4: `__type { fields { type { ofType ×n { name } } } }`. */
  const nest = (n: number) => `{ a: __type(name: "Query") { fields { type { ${"ofType { ".repeat(n)}name${" }".repeat(n)} } } } }`;
  const shapes: [string, string, string[]][] = [
    ["31 aliases", aliases(31), ["GRAPHQL_VALIDATION_FAILED"]],
    ["1000 aliases", aliases(1000), ["GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"]],
    ["5000 aliases", aliases(5000), ["GRAPHQL_PARSE_FAILED"]],
    ["depth 11", nest(7), ["GRAPHQL_VALIDATION_FAILED"]],
    ["depth 60", nest(56), ["GRAPHQL_VALIDATION_FAILED"]],
    ["1000 nested selection sets", `{ ${"a { ".repeat(1000)}b${" }".repeat(1000)} }`, ["GRAPHQL_PARSE_FAILED"]],
    [
      "900 nested list literals",
      `{ apiKeys(status: ${"[".repeat(900)}ACTIVE${"]".repeat(900)}) { totalCount } }`,
      ["GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"],
    ],
    ["fragment cycle", "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }", ["GRAPHQL_VALIDATION_FAILED"]],
    ["60 directives", `{ __typename ${"@include(if: true) ".repeat(60)} }`, ["GRAPHQL_VALIDATION_FAILED"]],
    ["an unknown field", "{ viewr { kind } }", ["GRAPHQL_VALIDATION_FAILED"]],
    ["a syntax error", "{ viewer { kind }", ["GRAPHQL_PARSE_FAILED"]],
    ["an empty document", "", ["GRAPHQL_PARSE_FAILED", "BAD_REQUEST"]],
    ["only a comment", "# nothing here", ["GRAPHQL_PARSE_FAILED"]],
    ["two anonymous operations", "{ __typename } { __typename }", ["GRAPHQL_VALIDATION_FAILED"]],
    [
      "a subscription over HTTP",
      "subscription { usageEvents { id } }",
      ["GRAPHQL_VALIDATION_FAILED", "BAD_REQUEST", "OPERATION_RESOLUTION_FAILURE"],
    ],
    ["a 500 KB string literal", `{ apiKey(id: "${"x".repeat(500_000)}") { id } }`, []],
    ["an Int literal above 2^31", "{ apiKeys(first: 2147483648) { totalCount } }", ["GRAPHQL_VALIDATION_FAILED"]],
    [
      "a cost bomb of 30 aliased lists",
      `{ ${Array.from({ length: 30 }, (_, i) => `k${i}: apiKeys(first: 100) { nodes { id name status permissions { resource read write } createdBy { id email } revokedBy { id email } usage { last24h last7d last30d } } }`).join(" ")} }`,
      ["GRAPHQL_VALIDATION_FAILED"],
    ],
  ];
  return shapes.map(([label, query, codes]) => ({
    name: `query shape: ${label}`,
    run: (ctx) => post(ctx.url, query, {}, ctx.admin.token),
    expect: codes.length ? { status: 400, codes } : { codes: ["NOT_FOUND"], success: (d) => expect(d.apiKey).toBeNull() },
  }));
}

function hostileStringCases(): Case[] {
  const cases: Case[] = [];
  type Run = (ctx: CorpusContext, s: string, key?: { id: string }) => Promise<Answer>;
  const inputs: [string, Run, string, string[], ((s: string) => (d: any) => void)?, boolean?][] = [
    [
      "signUp workspaceName",
      (ctx, s) =>
        post(ctx.url, SIGN_UP, {
          input: { workspaceName: `${ctx.tag} ${s}`, email: `${ctx.tag}-${randomUUID().slice(0, 8)}@example.test`, password: PASSWORD },
        }),
      "input.workspaceName",
      ["BAD_USER_INPUT"],
      (s) => (d) => expect(d.signUp.workspace.name.endsWith(s.trim()) || d.signUp.workspace.name === s.trim()).toBe(true),
    ],
    [
      "signUp email",
      (ctx, s) => post(ctx.url, SIGN_UP, { input: { workspaceName: ctx.tag, email: `${s}${ctx.tag}`, password: PASSWORD } }),
      "input.email",
      ["BAD_USER_INPUT"],
    ],
    [
      "signUp password",
      (ctx, s) =>
        post(ctx.url, SIGN_UP, {
          input: { workspaceName: ctx.tag, email: `${ctx.tag}-${randomUUID().slice(0, 8)}@example.test`, password: s },
        }),
      "input.password",
      ["BAD_USER_INPUT"],
      () => () => undefined,
    ],
    [
      "createMember email",
      (ctx, s) =>
        post(ctx.url, CREATE_MEMBER, { input: { email: `${s}${ctx.tag}`, password: PASSWORD, role: "SECURITY" } }, ctx.admin.token),
      "input.email",
      ["BAD_USER_INPUT"],
    ],
    [
      "createMember password",
      (ctx, s) =>
        post(
          ctx.url,
          CREATE_MEMBER,
          { input: { email: `${ctx.tag}-${randomUUID().slice(0, 8)}@example.test`, password: s, role: "SECURITY" } },
          ctx.admin.token,
        ),
      "input.password",
      ["BAD_USER_INPUT"],
      () => (d) => expect(d.createMember.role).toBe("SECURITY"),
    ],
    [
      "createApiKey name",
      (ctx, s) => post(ctx.url, CREATE_KEY, { input: { name: s, permissions: READ } }, ctx.admin.token),
      "input.name",
      ["BAD_USER_INPUT"],
      (s) => (d) => sameText(s)(d.createApiKey.apiKey.name),
    ],
    [
      "updateApiKey name",
      (ctx, s, key) => post(ctx.url, UPDATE_KEY, { id: key!.id, input: { name: s } }, ctx.admin.token),
      "input.name",
      ["BAD_USER_INPUT"],
      (s) => (d) => sameText(s)(d.updateApiKey.name),
    ],
    [
      "revokeApiKey reason",
      (ctx, s, key) => post(ctx.url, REVOKE_KEY, { id: key!.id, reason: s }, ctx.admin.token),
      "reason",
      ["BAD_USER_INPUT"],
      (s) => (d) => expect([s, s.trim(), null]).toContain(d.revokeApiKey.revocationReason),
    ],
    [
      "apiKey id",
      (ctx, s) => post(ctx.url, `query($id: ID!) { apiKey(id: $id) { id } }`, { id: s }, ctx.admin.token),
      "id",
      ["BAD_USER_INPUT"],
      () => (d) => expect(d.apiKey).toBeNull(),
      false,
    ],
    [
      "apiKeys after",
      (ctx, s) => post(ctx.url, `query($after: String) { apiKeys(after: $after) { totalCount } }`, { after: s }, ctx.admin.token),
      "after",
      ["BAD_USER_INPUT"],
      undefined,
      false,
    ],
    [
      "auditLog after",
      (ctx, s) => post(ctx.url, `query($after: String) { auditLog(after: $after) { totalCount } }`, { after: s }, ctx.admin.token),
      "after",
      ["BAD_USER_INPUT"],
      undefined,
      false,
    ],
    [
      "signIn email",
      (ctx, s) => post(ctx.url, SIGN_IN, { email: s, password: PASSWORD }),
      "email",
      ["UNAUTHENTICATED", "BAD_USER_INPUT", "RATE_LIMITED"],
    ],
    [
      "signIn password",
      (ctx, s) => post(ctx.url, SIGN_IN, { email: ctx.admin.email, password: s }),
      "password",
      ["UNAUTHENTICATED", "BAD_USER_INPUT", "RATE_LIMITED"],
    ],
  ];
  for (const [input, run, field, codes, success, write = true] of inputs) {
    for (const [label, value] of HOSTILE_STRINGS) {
      cases.push({
        name: `${input} = ${label}`,
        write,
        prepare: input.startsWith("updateApiKey") || input.startsWith("revokeApiKey") ? (ctx) => ctx.freshKey() : undefined,
        run: (ctx, key) => run(ctx, value, key),
        expect: {
          codes,
          fields: codes.includes("BAD_USER_INPUT") && !input.startsWith("signIn") ? [field] : undefined,
          success: success?.(value),
        },
      });
    }
  }
  return cases;
}

function typedArgumentCases(): Case[] {
  const cases: Case[] = [];
  const firsts: unknown[] = [-1, -2147483648, 101, 2147483647, 2147483648, 1.5, "10", 1e308, true, [10], { n: 1 }];
  for (const query of ["apiKeys", "auditLog"]) {
    for (const first of firsts) {
      cases.push({
        name: `${query}(first: ${JSON.stringify(first)})`,
        run: (ctx) => post(ctx.url, `query($first: Int) { ${query}(first: $first) { totalCount } }`, { first }, ctx.admin.token),
        expect: { codes: ["BAD_USER_INPUT"], fields: ["first"] },
      });
    }
    const cursors: [string, string][] = [
      ["random base64", base64url("hello world")],
      ["a non-UUID id", base64url(["2024-01-01T00:00:00.000Z", "1 OR 1=1"])],
      ["a bad date", base64url(["not a date", randomUUID()])],
      ["SQL in the date", base64url(["2024-01-01'; DROP TABLE api_key; --", randomUUID()])],
      ["an object", base64url({ $gt: "" })],
      ["three parts", base64url(["2024-01-01T00:00:00.000Z", randomUUID(), "extra"])],
      ["plain text", "page-2"],
    ];
    for (const [label, after] of cursors) {
      cases.push({
        name: `${query}(after: forged cursor, ${label})`,
        run: (ctx) => post(ctx.url, `query($after: String) { ${query}(after: $after) { totalCount } }`, { after }, ctx.admin.token),
        expect: { codes: ["BAD_USER_INPUT"], fields: ["after"] },
      });
    }
  }
  const keyInputs: [string, Record<string, unknown>, string][] = [
    ["resource in lower case", { name: "k", permissions: [{ resource: "calls", read: true }] }, "input.permissions[0].resource"],
    ["an unknown resource", { name: "k", permissions: [{ resource: "CALLS; DROP TABLE", read: true }] }, "input.permissions[0].resource"],
    ["read as a string", { name: "k", permissions: [{ resource: "CALLS", read: "yes" }] }, "input.permissions[0].read"],
    ["no permissions", { name: "k", permissions: [] }, "input.permissions"],
    ["analytics write", { name: "k", permissions: [{ resource: "ANALYTICS", read: true, write: true }] }, "input.permissions"],
    [
      "a repeated resource",
      {
        name: "k",
        permissions: [
          { resource: "CALLS", read: true },
          { resource: "CALLS", write: true },
        ],
      },
      "input.permissions",
    ],
    ["expiresAt in words", { name: "k", permissions: READ, expiresAt: "tomorrow" }, "input.expiresAt"],
    ["expiresAt month 13", { name: "k", permissions: READ, expiresAt: "2030-13-45T00:00:00Z" }, "input.expiresAt"],
    ["expiresAt empty", { name: "k", permissions: READ, expiresAt: "" }, "input.expiresAt"],
    ["expiresAt a number", { name: "k", permissions: READ, expiresAt: 0 }, "input.expiresAt"],
    ["expiresAt in the past", { name: "k", permissions: READ, expiresAt: "2001-01-01T00:00:00Z" }, "input.expiresAt"],
    ["expiresAt beyond year 275760", { name: "k", permissions: READ, expiresAt: "+275760-09-13T00:00:01Z" }, "input.expiresAt"],
    ["expiresAt with no time zone", { name: "k", permissions: READ, expiresAt: "2030-01-01T00:00:00" }, "input.expiresAt"],
    ["an unknown input field", { name: "k", permissions: READ, admin: true }, "input.admin"],
    [
      "a __proto__ field",
      JSON.parse('{"name":"k","permissions":[{"resource":"CALLS","read":true}],"__proto__":{"admin":true}}'),
      "input.__proto__",
    ],
    ["name missing", { permissions: READ }, "input.name"],
    ["name null", { name: null, permissions: READ }, "input.name"],
    ["name a number", { name: 42, permissions: READ }, "input.name"],
  ];
  for (const [label, input, field] of keyInputs) {
    cases.push({
      name: `createApiKey with ${label}`,
      write: true,
      run: (ctx) => post(ctx.url, CREATE_KEY, { input }, ctx.admin.token),
      expect: { codes: ["BAD_USER_INPUT"], fields: [field] },
    });
  }
  const roles: unknown[] = ["ROOT", "admin", "", 1, null, ["ADMIN"]];
  for (const role of roles) {
    cases.push({
      name: `createMember with role ${JSON.stringify(role)}`,
      write: true,
      run: (ctx) =>
        post(ctx.url, CREATE_MEMBER, { input: { email: `${ctx.tag}-r@example.test`, password: PASSWORD, role } }, ctx.admin.token),
      expect: { codes: ["BAD_USER_INPUT"], fields: ["input.role"] },
    });
  }
  const ids: [string, (ctx: CorpusContext) => unknown][] = [
    ["a number-like id", () => "1"],
    ["an empty id", () => ""],
    ["the nil UUID", () => "00000000-0000-0000-0000-000000000000"],
    ["another workspace's key", (ctx) => ctx.otherWorkspaceKeyId],
    ["a 5000-character id", () => "f".repeat(5000)],
    ["SQL as an id", () => "' OR 1=1 --"],
    ["an upper-case random UUID", () => randomUUID().toUpperCase()],
  ];
  for (const [label, id] of ids) {
    cases.push({
      name: `updateApiKey on ${label}`,
      write: true,
      run: (ctx) => post(ctx.url, UPDATE_KEY, { id: id(ctx), input: { name: "renamed" } }, ctx.admin.token),
      expect: { codes: ["NOT_FOUND"] },
    });
    cases.push({
      name: `revokeApiKey on ${label}`,
      write: true,
      run: (ctx) => post(ctx.url, REVOKE_KEY, { id: id(ctx) }, ctx.admin.token),
      expect: { codes: ["NOT_FOUND"] },
    });
    cases.push({
      name: `rotateApiKey on ${label}`,
      write: true,
      run: (ctx) => post(ctx.url, ROTATE_KEY, { id: id(ctx) }, ctx.admin.token),
      expect: { codes: ["NOT_FOUND"] },
    });
  }
  for (const grace of [-1, 604801, 2147483648, 1.5, "60"]) {
    cases.push({
      name: `rotateApiKey with gracePeriodSeconds ${JSON.stringify(grace)}`,
      write: true,
      prepare: (ctx) => ctx.freshKey(),
      run: (ctx, key) => post(ctx.url, ROTATE_KEY, { id: key!.id, gracePeriodSeconds: grace }, ctx.admin.token),
      expect: { codes: ["BAD_USER_INPUT"], fields: ["gracePeriodSeconds"] },
    });
  }
  cases.push({
    name: "updateApiKey of a revoked key",
    write: true,
    prepare: async (ctx) => {
      const key = await ctx.freshKey();
      await post(ctx.url, REVOKE_KEY, { id: key.id }, ctx.admin.token);
      return key;
    },
    run: (ctx, key) => post(ctx.url, UPDATE_KEY, { id: key!.id, input: { name: "back to life" } }, ctx.admin.token),
    expect: { codes: ["BAD_USER_INPUT"], fields: ["id"] },
  });
  // Built by hand: JSON.stringify itself overflows the stack on 10 000 levels.
  const deepBody = `{"query":${JSON.stringify(CREATE_KEY)},"variables":{"input":{"name":"k","permissions":${"[".repeat(10_000)}${"]".repeat(10_000)}}}}`;
  cases.push({
    name: "createApiKey with permissions nested 10 000 deep",
    write: true,
    run: (ctx) =>
      send(ctx.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ctx.admin.token}` },
        body: deepBody,
      }),
    expect: { codes: ["BAD_USER_INPUT"], fields: ["input.permissions"] },
  });
  return cases;
}

export function inputCases(): Case[] {
  return [...queryShapeCases(), ...hostileStringCases(), ...typedArgumentCases()];
}
