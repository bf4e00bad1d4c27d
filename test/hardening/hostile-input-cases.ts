import { randomUUID } from "node:crypto";
import { PASSWORD } from "../support/factories";
import { accepted, badInput, Case, CorpusContext, Expectation, refused } from "./hostile-cases";
import { post, send } from "./hostile-support";
import { CREATE_KEY, CREATE_MEMBER, hostileStringCases, READ, readKey, REVOKE_KEY, textLimitCases, UPDATE_KEY } from "./hostile-text-cases";

const ROTATE_KEY = `mutation($id: ID!, $gracePeriodSeconds: Int) { rotateApiKey(id: $id, gracePeriodSeconds: $gracePeriodSeconds) { secret } }`;
const base64url = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

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

export function inputCases(): Case[] {
  return [...queryShapeCases(), ...hostileStringCases(), ...textLimitCases(), ...typedArgumentCases()];
}
