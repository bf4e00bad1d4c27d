import { randomUUID } from "node:crypto";
import { PASSWORD } from "../support/factories";
import {
  accepted,
  badInput,
  Case,
  CorpusContext,
  Expectation,
  HOSTILE_STRINGS,
  refused,
  TAG_LENGTH,
  CONTROL,
  characters,
  textOutcome,
} from "./hostile-cases";
import { Answer, post, send } from "./hostile-support";

const CREATE_KEY = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id name permissions { resource read write } expiresAt } } }`;
const UPDATE_KEY = `mutation($id: ID!, $input: UpdateApiKeyInput!) { updateApiKey(id: $id, input: $input) { id name } }`;
const REVOKE_KEY = `mutation($id: ID!, $reason: String) { revokeApiKey(id: $id, reason: $reason) { id revocationReason } }`;
const ROTATE_KEY = `mutation($id: ID!, $gracePeriodSeconds: Int) { rotateApiKey(id: $id, gracePeriodSeconds: $gracePeriodSeconds) { secret } }`;
const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { token workspace { name } member { email } } }`;
const CREATE_MEMBER = `mutation($input: CreateMemberInput!) { createMember(input: $input) { email role } }`;
const SIGN_IN = `mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { token } }`;
const READ = [{ resource: "CALLS", read: true }];
const base64url = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** Trimmed text that stays as sent (or refused), never altered on the way to the database. */

function queryShapeCases(): Case[] {
  const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(" ")} }`;
  /** Depth n + 4: `__type { fields { type { ofType ×n { name } } } }`. */
  const nest = (n: number) => `{ a: __type(name: "Query") { fields { type { ${"ofType { ".repeat(n)}name${" }".repeat(n)} } } } }`;
  /**
   * n lexer tokens: a list of n - 12 enum values (commas are not tokens). Not n fields: graphql-js
   * aborts validation when comparing that many fields with each other costs too much.
   */
  const tokens = (n: number) =>
    `{ apiKeys(status: [${Array(n - 12)
      .fill("ACTIVE")
      .join(", ")}]) { totalCount } }`;
  const activeKeys = accepted(async (d, ctx) => {
    const plain = await post(ctx.url, "{ apiKeys(status: [ACTIVE]) { totalCount } }", {}, ctx.admin.token);
    expect(d.apiKeys.totalCount).toBe(plain.json?.data.apiKeys.totalCount);
  });
  /** n directives, two to a field (a directive may appear once per location), on at most 26 fields. */
  const directives = (n: number) =>
    `{ ${Array.from({ length: Math.ceil(n / 2) }, (_, i) => `a${i}: __typename @include(if: true)${2 * i + 1 < n ? " @skip(if: false)" : ""}`).join(" ")} }`;
  const introspected = accepted((d) => expect(d.a.fields.length).toBeGreaterThan(0));
  const shapes: [string, string, Expectation][] = [
    ["30 aliases (the limit)", aliases(30), accepted((d) => expect(Object.keys(d)).toHaveLength(30))],
    ["31 aliases", aliases(31), refused(400, "GRAPHQL_VALIDATION_FAILED")],
    // 1,000 aliases are over 2,000 tokens: the parser stops before validation counts aliases.
    ["1000 aliases", aliases(1000), refused(400, "GRAPHQL_PARSE_FAILED")],
    ["5000 aliases", aliases(5000), refused(400, "GRAPHQL_PARSE_FAILED")],
    ["2000 tokens (the limit)", tokens(2000), activeKeys],
    ["2001 tokens", tokens(2001), refused(400, "GRAPHQL_PARSE_FAILED")],
    ["depth 10 (the limit)", nest(6), introspected],
    ["depth 11", nest(7), refused(400, "GRAPHQL_VALIDATION_FAILED")],
    ["depth 60", nest(56), refused(400, "GRAPHQL_VALIDATION_FAILED")],
    ["1000 nested selection sets", `{ ${"a { ".repeat(1000)}b${" }".repeat(1000)} }`, refused(400, "GRAPHQL_PARSE_FAILED")],
    [
      "900 nested list literals",
      `{ apiKeys(status: ${"[".repeat(900)}ACTIVE${"]".repeat(900)}) { totalCount } }`,
      refused(400, "GRAPHQL_VALIDATION_FAILED"),
    ],
    ["fragment cycle", "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }", refused(400, "GRAPHQL_VALIDATION_FAILED")],
    ["50 directives (the limit)", directives(50), accepted((d) => expect(Object.keys(d)).toHaveLength(25))],
    ["51 directives", directives(51), refused(400, "GRAPHQL_VALIDATION_FAILED")],
    ["60 directives", `{ __typename ${"@include(if: true) ".repeat(60)} }`, refused(400, "GRAPHQL_VALIDATION_FAILED")],
    ["an unknown field", "{ viewr { kind } }", refused(400, "GRAPHQL_VALIDATION_FAILED")],
    ["a syntax error", "{ viewer { kind }", refused(400, "GRAPHQL_PARSE_FAILED")],
    ["an empty document", "", refused(400, "BAD_REQUEST")],
    ["only a comment", "# nothing here", refused(400, "GRAPHQL_PARSE_FAILED")],
    ["two anonymous operations", "{ __typename } { __typename }", refused(400, "GRAPHQL_VALIDATION_FAILED")],
    ["a subscription over HTTP", "subscription { usageEvents { id } }", refused(400, "BAD_REQUEST")],
    ["a 500 KB string literal", `{ apiKey(id: "${"x".repeat(500_000)}") { id } }`, accepted((d) => expect(d).toEqual({ apiKey: null }))],
    ["an Int literal above 2^31", "{ apiKeys(first: 2147483648) { totalCount } }", refused(400, "GRAPHQL_VALIDATION_FAILED")],
    [
      "a cost bomb of 30 aliased lists",
      `{ ${Array.from({ length: 30 }, (_, i) => `k${i}: apiKeys(first: 100) { nodes { id name status permissions { resource read write } createdBy { id email } revokedBy { id email } usage { last24h last7d last30d } } }`).join(" ")} }`,
      refused(400, "GRAPHQL_VALIDATION_FAILED"),
    ],
  ];
  return shapes.map(([label, query, expectation]) => ({
    name: `query shape: ${label}`,
    run: (ctx) => post(ctx.url, query, {}, ctx.admin.token),
    expect: expectation,
  }));
}

const CONTROL_BUT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Names (workspace, key): trimmed, 1–100 characters, one line. */
const nameBroken = (s: string) => CONTROL.test(s) || characters(s.trim()) < 1 || characters(s.trim()) > 100;
/** Passwords: 12–1,024 characters, anything else goes. */
const passwordBroken = (s: string) => characters(s) < 12 || characters(s) > 1024;

/** Signs in with what was stored: the one way to read a password back. */
async function signsIn(ctx: CorpusContext, email: string, password: string): Promise<void> {
  const answer = await post(ctx.url, SIGN_IN, { email, password });
  expect(answer.json?.errors).toBeUndefined();
  expect(answer.json?.data.signIn.token).toMatch(/^gqs_/);
}

async function readKey(ctx: CorpusContext, id: string): Promise<{ name: string; status: string; revocationReason: string | null }> {
  const answer = await post(ctx.url, `query($id: ID!) { apiKey(id: $id) { name status revocationReason } }`, { id }, ctx.admin.token);
  return answer.json?.data.apiKey;
}

type Run = (ctx: CorpusContext, s: string, key?: { id: string }) => Promise<Answer>;
interface StringInput {
  input: string;
  run: Run;
  expect: (label: string, s: string) => Expectation;
  write?: boolean;
}

function memberInputs(): StringInput[] {
  const newEmail = (ctx: CorpusContext) => `${ctx.tag}-${randomUUID().slice(0, 8)}@example.test`;
  // No hostile string followed by the tag is an e-mail address (none has an @ before it).
  const neverAnEmail = (field: string) => (label: string) => textOutcome(label, field, true, badInput(field));
  return [
    {
      input: "signUp workspaceName",
      run: (ctx, s) => post(ctx.url, SIGN_UP, { input: { workspaceName: `${ctx.tag} ${s}`, email: newEmail(ctx), password: PASSWORD } }),
      expect: (label, s) =>
        textOutcome(
          label,
          "input.workspaceName",
          nameBroken(`${"t".repeat(TAG_LENGTH)} ${s}`),
          accepted(async (d, ctx) => {
            const name = `${ctx.tag} ${s}`.trim();
            expect(d.signUp.workspace.name).toBe(name);
            const viewer = await post(ctx.url, "{ viewer { workspace { name } } }", {}, d.signUp.token);
            expect(viewer.json?.data.viewer.workspace.name).toBe(name);
          }),
        ),
    },
    {
      input: "signUp email",
      run: (ctx, s) => post(ctx.url, SIGN_UP, { input: { workspaceName: ctx.tag, email: `${s}${ctx.tag}`, password: PASSWORD } }),
      expect: neverAnEmail("input.email"),
    },
    {
      input: "signUp password",
      run: (ctx, s) => post(ctx.url, SIGN_UP, { input: { workspaceName: ctx.tag, email: newEmail(ctx), password: s } }),
      expect: (label, s) =>
        textOutcome(
          label,
          "input.password",
          passwordBroken(s),
          accepted((d, ctx) => signsIn(ctx, d.signUp.member.email, s)),
        ),
    },
    {
      input: "createMember email",
      run: (ctx, s) =>
        post(ctx.url, CREATE_MEMBER, { input: { email: `${s}${ctx.tag}`, password: PASSWORD, role: "SECURITY" } }, ctx.admin.token),
      expect: neverAnEmail("input.email"),
    },
    {
      input: "createMember password",
      run: (ctx, s) => post(ctx.url, CREATE_MEMBER, { input: { email: newEmail(ctx), password: s, role: "SECURITY" } }, ctx.admin.token),
      expect: (label, s) =>
        textOutcome(
          label,
          "input.password",
          passwordBroken(s),
          accepted(async (d, ctx) => {
            expect(d.createMember.role).toBe("SECURITY");
            await signsIn(ctx, d.createMember.email, s);
          }),
        ),
    },
  ];
}

function keyInputs(): StringInput[] {
  const storedName = (s: string) =>
    accepted(async (d, ctx) => {
      const key = d.createApiKey?.apiKey ?? d.updateApiKey;
      expect(key.name).toBe(s.trim());
      expect((await readKey(ctx, key.id)).name).toBe(s.trim());
    });
  return [
    {
      input: "createApiKey name",
      run: (ctx, s) => post(ctx.url, CREATE_KEY, { input: { name: s, permissions: READ } }, ctx.admin.token),
      expect: (label, s) => textOutcome(label, "input.name", nameBroken(s), storedName(s)),
    },
    {
      input: "updateApiKey name",
      run: (ctx, s, key) => post(ctx.url, UPDATE_KEY, { id: key!.id, input: { name: s } }, ctx.admin.token),
      expect: (label, s) => textOutcome(label, "input.name", nameBroken(s), storedName(s)),
    },
    {
      // Free text, line breaks allowed, at most 500 characters; a blank reason is no reason.
      input: "revokeApiKey reason",
      run: (ctx, s, key) => post(ctx.url, REVOKE_KEY, { id: key!.id, reason: s }, ctx.admin.token),
      expect: (label, s) =>
        textOutcome(
          label,
          "reason",
          CONTROL_BUT_LINE_BREAKS.test(s) || characters(s.trim()) > 500,
          accepted(async (d, ctx) => {
            const reason = s.trim() === "" ? null : s.trim();
            expect(d.revokeApiKey.revocationReason).toBe(reason);
            expect(await readKey(ctx, d.revokeApiKey.id)).toMatchObject({ status: "REVOKED", revocationReason: reason });
          }),
        ),
    },
    {
      input: "apiKey id",
      run: (ctx, s) => post(ctx.url, `query($id: ID!) { apiKey(id: $id) { id } }`, { id: s }, ctx.admin.token),
      expect: (label) =>
        textOutcome(
          label,
          "id",
          false,
          accepted((d) => expect(d).toEqual({ apiKey: null })),
        ),
      write: false,
    },
    ...["apiKeys", "auditLog"].map((list) => ({
      input: `${list} after`,
      run: (ctx: CorpusContext, s: string) =>
        post(ctx.url, `query($after: String) { ${list}(after: $after) { totalCount } }`, { after: s }, ctx.admin.token),
      expect: (label: string) => textOutcome(label, "after", true, badInput("after")),
      write: false,
    })),
    // Whatever is sent, a sign-in that does not match is 401, and unstorable text is refused before.
    ...(["email", "password"] as const).map((field) => ({
      input: `signIn ${field}`,
      run: (ctx: CorpusContext, s: string) =>
        post(ctx.url, SIGN_IN, field === "email" ? { email: s, password: PASSWORD } : { email: ctx.admin.email, password: s }),
      expect: (label: string) => textOutcome(label, field, false, refused(401, "UNAUTHENTICATED")),
    })),
  ];
}

function hostileStringCases(): Case[] {
  const cases: Case[] = [];
  for (const { input, run, expect: expectation, write = true } of [...memberInputs(), ...keyInputs()]) {
    for (const [label, value] of HOSTILE_STRINGS) {
      cases.push({
        name: `${input} = ${label}`,
        write,
        prepare: input.startsWith("updateApiKey") || input.startsWith("revokeApiKey") ? (ctx) => ctx.freshKey() : undefined,
        run: (ctx, key) => run(ctx, value, key),
        expect: expectation(label, value),
      });
    }
  }
  return cases;
}

function typedArgumentCases(): Case[] {
  const cases: Case[] = [];
  // 0–100 is the rule (refused at execution: 200); what is not an Int is refused while coercing (400).
  const firsts: [unknown, Expectation][] = [
    [0, accepted((d) => expect(Object.values(d)[0]).toEqual({ nodes: [] }))],
    [100, accepted((d) => expect((Object.values(d)[0] as { nodes: unknown[] }).nodes.length).toBeLessThanOrEqual(100))],
    [-1, badInput("first")],
    [-2147483648, badInput("first")],
    [101, badInput("first")],
    [2147483647, badInput("first")],
    ...[2147483648, 1.5, "10", 1e308, true, [10], { n: 1 }].map((first): [unknown, Expectation] => [first, badInput("first", 400)]),
  ];
  for (const query of ["apiKeys", "auditLog"]) {
    for (const [first, expectation] of firsts) {
      cases.push({
        name: `${query}(first: ${JSON.stringify(first)})`,
        run: (ctx) => post(ctx.url, `query($first: Int) { ${query}(first: $first) { nodes { id } } }`, { first }, ctx.admin.token),
        expect: expectation,
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
        expect: badInput("after"),
      });
    }
  }
  // Status 400: refused while coercing the variables; 200: by the key rules at execution.
  const keyInputs: [string, Record<string, unknown>, string, number][] = [
    ["resource in lower case", { name: "k", permissions: [{ resource: "calls", read: true }] }, "input.permissions[0].resource", 400],
    [
      "an unknown resource",
      { name: "k", permissions: [{ resource: "CALLS; DROP TABLE", read: true }] },
      "input.permissions[0].resource",
      400,
    ],
    ["read as a string", { name: "k", permissions: [{ resource: "CALLS", read: "yes" }] }, "input.permissions[0].read", 400],
    ["no permissions", { name: "k", permissions: [] }, "input.permissions", 200],
    ["analytics write", { name: "k", permissions: [{ resource: "ANALYTICS", read: true, write: true }] }, "input.permissions", 200],
    ["a name of 101 characters", { name: "k".repeat(101), permissions: READ }, "input.name", 200],
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
      200,
    ],
    ["expiresAt in words", { name: "k", permissions: READ, expiresAt: "tomorrow" }, "input.expiresAt", 400],
    ["expiresAt month 13", { name: "k", permissions: READ, expiresAt: "2030-13-45T00:00:00Z" }, "input.expiresAt", 400],
    ["expiresAt empty", { name: "k", permissions: READ, expiresAt: "" }, "input.expiresAt", 400],
    ["expiresAt a number", { name: "k", permissions: READ, expiresAt: 0 }, "input.expiresAt", 400],
    ["expiresAt in the past", { name: "k", permissions: READ, expiresAt: "2001-01-01T00:00:00Z" }, "input.expiresAt", 200],
    ["expiresAt beyond year 275760", { name: "k", permissions: READ, expiresAt: "+275760-09-13T00:00:01Z" }, "input.expiresAt", 400],
    ["expiresAt with no time zone", { name: "k", permissions: READ, expiresAt: "2030-01-01T00:00:00" }, "input.expiresAt", 400],
    ["an unknown input field", { name: "k", permissions: READ, admin: true }, "input.admin", 400],
    [
      "a __proto__ field",
      JSON.parse('{"name":"k","permissions":[{"resource":"CALLS","read":true}],"__proto__":{"admin":true}}'),
      "input.__proto__",
      400,
    ],
    ["name missing", { permissions: READ }, "input.name", 400],
    ["name null", { name: null, permissions: READ }, "input.name", 400],
    ["name a number", { name: 42, permissions: READ }, "input.name", 400],
  ];
  for (const [label, input, field, status] of keyInputs) {
    cases.push({
      name: `createApiKey with ${label}`,
      write: true,
      run: (ctx) => post(ctx.url, CREATE_KEY, { input }, ctx.admin.token),
      expect: badInput(field, status),
    });
  }
  // Rate limits: 1–1,000,000 requests per 1–86,400 s; allowlists: 1–50 entries.
  const cidrs = (n: number) => Array.from({ length: n }, (_, i) => `10.0.${i}.0/24`);
  const limits: [string, Record<string, unknown>, string | null][] = [
    ["the smallest rate limit", { rateLimit: { limit: 1, windowSeconds: 1 } }, null],
    ["the largest rate limit", { rateLimit: { limit: 1_000_000, windowSeconds: 86_400 } }, null],
    ["a rate limit of 0 requests", { rateLimit: { limit: 0, windowSeconds: 60 } }, "input.rateLimit.limit"],
    ["a rate limit of 1,000,001 requests", { rateLimit: { limit: 1_000_001, windowSeconds: 60 } }, "input.rateLimit.limit"],
    ["a rate-limit window of 0 s", { rateLimit: { limit: 5, windowSeconds: 0 } }, "input.rateLimit.windowSeconds"],
    ["a rate-limit window of 86,401 s", { rateLimit: { limit: 5, windowSeconds: 86_401 } }, "input.rateLimit.windowSeconds"],
    ["50 allowed CIDR blocks", { allowedCidrs: cidrs(50) }, null],
    ["51 allowed CIDR blocks", { allowedCidrs: cidrs(51) }, "input.allowedCidrs"],
  ];
  for (const [label, extra, field] of limits) {
    cases.push({
      name: `createApiKey with ${label}`,
      write: true,
      run: (ctx) => post(ctx.url, CREATE_KEY, { input: { name: "k", permissions: READ, ...extra } }, ctx.admin.token),
      expect:
        field === null
          ? accepted(async (d, ctx) => {
              const read = await post(
                ctx.url,
                `query($id: ID!) { apiKey(id: $id) { rateLimit { limit windowSeconds } allowedCidrs } }`,
                { id: d.createApiKey.apiKey.id },
                ctx.admin.token,
              );
              expect(read.json?.data.apiKey).toEqual({ rateLimit: null, allowedCidrs: null, ...extra });
            })
          : badInput(field),
    });
  }
  const name100 = ` ${"k".repeat(100)} `;
  cases.push({
    name: "createApiKey with a name of 100 characters (the limit) between spaces",
    write: true,
    run: (ctx) => post(ctx.url, CREATE_KEY, { input: { name: name100, permissions: READ } }, ctx.admin.token),
    expect: accepted(async (d, ctx) => expect((await readKey(ctx, d.createApiKey.apiKey.id)).name).toBe(name100.trim())),
  });
  const roles: unknown[] = ["ROOT", "admin", "", 1, null, ["ADMIN"]];
  for (const role of roles) {
    cases.push({
      name: `createMember with role ${JSON.stringify(role)}`,
      write: true,
      run: (ctx) =>
        post(ctx.url, CREATE_MEMBER, { input: { email: `${ctx.tag}-r@example.test`, password: PASSWORD, role } }, ctx.admin.token),
      expect: badInput("input.role", 400),
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
      expect: refused(200, "NOT_FOUND", "id"),
    });
    cases.push({
      name: `revokeApiKey on ${label}`,
      write: true,
      run: (ctx) => post(ctx.url, REVOKE_KEY, { id: id(ctx) }, ctx.admin.token),
      expect: refused(200, "NOT_FOUND", "id"),
    });
    cases.push({
      name: `rotateApiKey on ${label}`,
      write: true,
      run: (ctx) => post(ctx.url, ROTATE_KEY, { id: id(ctx) }, ctx.admin.token),
      expect: refused(200, "NOT_FOUND", "id"),
    });
  }
  // 0–604,800 s (7 days) is the rule; the old key is revoked at once with 0, else ends after the grace.
  const graces: [unknown, Expectation][] = [
    [0, accepted(async (d, ctx) => expect((await readKey(ctx, d.rotateApiKey.replaced)).status).toBe("REVOKED"))],
    [604800, accepted(async (d, ctx) => expect((await readKey(ctx, d.rotateApiKey.replaced)).status).toBe("ACTIVE"))],
    [-1, badInput("gracePeriodSeconds")],
    [604801, badInput("gracePeriodSeconds")],
    ...[2147483648, 1.5, "60"].map((grace): [unknown, Expectation] => [grace, badInput("gracePeriodSeconds", 400)]),
  ];
  for (const [grace, expectation] of graces) {
    cases.push({
      name: `rotateApiKey with gracePeriodSeconds ${JSON.stringify(grace)}`,
      write: true,
      prepare: (ctx) => ctx.freshKey(),
      run: async (ctx, key) => {
        const answer = await post(ctx.url, ROTATE_KEY, { id: key!.id, gracePeriodSeconds: grace }, ctx.admin.token);
        if (answer.json?.data) answer.json.data.rotateApiKey.replaced = key!.id;
        return answer;
      },
      expect: expectation,
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
    expect: badInput("id"),
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
    expect: badInput("input.permissions", 400),
  });
  return cases;
}

/** Both sides of each text limit of members and keys: the last value accepted and the first refused. */
function limitCases(): Case[] {
  const cases: Case[] = [];
  const passwords: [string, string][] = [
    ["11 characters", "p".repeat(11)],
    ["12 characters (the minimum)", "p".repeat(12)],
    ["1,024 characters (the maximum)", "p".repeat(1024)],
    ["1,025 characters", "p".repeat(1025)],
    // Characters are code points: 1,024 emoji are 2,048 UTF-16 units and still within the limit.
    ["1,024 emoji", "🔑".repeat(1024)],
    ["1,025 emoji", "🔑".repeat(1025)],
  ];
  for (const input of memberInputs().filter((i) => i.input.endsWith("password"))) {
    for (const [label, value] of passwords) {
      cases.push({
        name: `${input.input} of ${label}`,
        write: true,
        run: (ctx) => input.run(ctx, value),
        expect: input.expect(label, value),
      });
    }
  }
  const workspaceName = (ctx: CorpusContext, length: number) => `${ctx.tag} ${"w".repeat(length - TAG_LENGTH - 1)}`;
  for (const length of [100, 101]) {
    cases.push({
      name: `signUp workspaceName of ${length} characters`,
      write: true,
      run: (ctx) =>
        post(ctx.url, SIGN_UP, {
          input: {
            workspaceName: workspaceName(ctx, length),
            email: `${ctx.tag}-${randomUUID().slice(0, 8)}@example.test`,
            password: PASSWORD,
          },
        }),
      expect:
        length === 100
          ? accepted((d, ctx) => expect(d.signUp.workspace.name).toBe(workspaceName(ctx, 100)))
          : badInput("input.workspaceName"),
    });
  }
  // 254 characters is the longest address a mail system delivers: a 64-character local part, labels of 63.
  const email = (ctx: CorpusContext, length: number) =>
    `${ctx.tag}${"l".repeat(64 - TAG_LENGTH)}@${"d".repeat(63)}.${"e".repeat(63)}.${"f".repeat(length - 64 - 1 - 63 - 1 - 63 - 1 - 5)}.test`;
  for (const length of [254, 255]) {
    cases.push({
      name: `createMember email of ${length} characters`,
      write: true,
      run: (ctx) =>
        post(ctx.url, CREATE_MEMBER, { input: { email: email(ctx, length), password: PASSWORD, role: "SECURITY" } }, ctx.admin.token),
      expect: length === 254 ? accepted((d, ctx) => expect(d.createMember.email).toBe(email(ctx, 254))) : badInput("input.email"),
    });
  }
  const revoke = keyInputs().find((i) => i.input === "revokeApiKey reason")!;
  for (const length of [500, 501]) {
    const reason = "r".repeat(length);
    cases.push({
      name: `revokeApiKey reason of ${length} characters`,
      write: true,
      prepare: (ctx) => ctx.freshKey(),
      run: (ctx, key) => revoke.run(ctx, reason, key),
      expect: revoke.expect(`${length} characters`, reason),
    });
  }
  return cases;
}

export function inputCases(): Case[] {
  return [...queryShapeCases(), ...hostileStringCases(), ...limitCases(), ...typedArgumentCases()];
}
