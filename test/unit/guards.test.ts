import fc from "fast-check";
import { ErrorCode } from "../../src/common/errors";
import { once } from "node:events";
import { createServer, IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import { buildSchema, graphql, GraphQLError, GraphQLField, Kind, OperationDefinitionNode, parse, validate } from "graphql";
import type { Principal } from "../../src/auth/principal";
import { ipNotAllowed, enforceAllowlist } from "../../src/server/guards/allowlist-gate";
import { corsMiddleware } from "../../src/server/guards/cors";
import { httpSubscriptionGuardPlugin } from "../../src/server/guards/http-subscription-guard";
import { MAX_NESTING, unsafeTextFields } from "../../src/server/guards/input-text-guard";
import { costRefusal, MAX_COST, operationCost } from "../../src/server/guards/query-cost";
import { hidesSchemaDetails, QUERY_LIMITS, queryLimits, toClientErrors, withoutSuggestion } from "../../src/server/guards/query-limits";
import { consumeRateLimit, setRateLimitHeaders } from "../../src/server/guards/rate-limit-gate";
import { responseTooLarge } from "../../src/server/guards/response-size";
import { fieldsOfVariableError } from "../../src/server/guards/variable-errors";
import type { RateLimiter } from "../../src/throttles/rate-limiter";

// The request guards one by one, on a small schema shaped like the app's (pages take `first`).
const schema = buildSchema(`
  type Query {
    calls(first: Int = 20, after: String): CallPage
    call(id: ID!): Call
    contact: Contact
    node: Node
    echo(text: String, input: EchoInput, list: [String]): String
  }
  type Subscription { ticks: Int }
  interface Node { id: ID! }
  type CallPage { nodes: [Call!]! total: Int }
  type Call implements Node { id: ID! note: String agent: Agent }
  type Agent implements Node { id: ID! name: String calls(first: Int): CallPage }
  type Contact { id: ID! leads: [Lead!]! }
  type Lead { id: ID! name: String }
  input EchoInput { name: String, tags: [String], nested: EchoInput, role: Role }
  enum Role { ADMIN SECURITY }
`);
(schema.getType("Contact") as unknown as { getFields(): Record<string, GraphQLField<unknown, unknown>> }).getFields().leads.extensions = {
  maxItems: 100,
};

function cost(query: string, variables: Record<string, unknown> = {}): number {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  return operationCost(schema, document, operation, variables);
}

function unsafe(query: string, variables?: Record<string, unknown>) {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  return unsafeTextFields(document, operation, variables);
}

describe("query cost", () => {
  it("every field costs 1; a paged field multiplies its selection by the page it runs with", () => {
    expect(cost(`{ call(id: "1") { id note } }`)).toBe(3);
    expect(cost(`{ calls(first: 5) { total nodes { id note } } }`)).toBe(1 + 5 * (1 + 1 + 2));
    expect(cost(`{ calls { nodes { id } } }`)).toBe(1 + 20 * 2); // the argument's default
    expect(cost(`query($n: Int) { calls(first: $n) { nodes { id } } }`, { n: 3 })).toBe(1 + 3 * 2);
    expect(cost(`query($n: Int) { calls(first: $n) { nodes { id } } }`, {})).toBe(1 + 20 * 2);
    expect(cost(`{ calls(first: 0) { nodes { id } } }`)).toBe(1);
    expect(cost(`{ calls(first: 500) { nodes { id } } }`)).toBe(1 + 100 * 2); // refused elsewhere; never counted above 100
    expect(cost(`{ calls(first: -5) { nodes { id } } }`)).toBe(1);
    expect(cost(`{ calls(first: null) { nodes { id } } }`)).toBe(1 + 1 * 2);
  });

  it("nested pages multiply; a relation list counts at its maxItems, other fields without first as 1", () => {
    expect(cost(`{ calls(first: 10) { nodes { agent { calls(first: 10) { nodes { id } } } } } }`)).toBe(
      1 + 10 * (1 + 1 * (1 + 1 + 10 * 2)),
    );
    expect(cost(`{ contact { leads { id name } } }`)).toBe(1 + 1 * (1 + 100 * 2));
    expect(cost(`{ node { id } }`)).toBe(2);
  });

  it("__typename, introspection, unknown fields and skipped selections are free; fragments count once each", () => {
    expect(cost(`{ __typename __schema { types { name } } __type(name: "Call") { name } }`)).toBe(0);
    expect(cost(`{ nothing call(id: "1") { nothing } }`)).toBe(1);
    expect(cost(`{ call(id: "1") @skip(if: true) { id } contact @include(if: false) { id } node @include(if: true) { id } }`)).toBe(2);
    expect(cost(`query($s: Boolean!) { call(id: "1") @skip(if: $s) { id } }`, { s: false })).toBe(2);
    expect(cost(`query($s: Boolean!) { call(id: "1") @skip(if: $s) { id } }`, { s: true })).toBe(0);
    expect(cost(`{ node { ... on Call { note agent { name } } ... { id } } }`)).toBe(1 + 1 + 1 + 1 + 1);
    expect(cost(`{ node { ...C ...Missing } } fragment C on Call { note ...D } fragment D on Call { id ...C }`)).toBe(1 + 1 + 1);
    expect(cost(`{ node { ... on Nowhere { id } } }`)).toBe(1);
    expect(cost(`{ node { ...F } } fragment F on Nowhere { id }`)).toBe(1);
    expect(cost(`subscription { ticks }`)).toBe(1);
    expect(cost(`mutation { x }`)).toBe(0);
  });

  it("an operation without variables, shared by every tenant that sends its text, costs each answer its own rows, whatever answers came before (model)", () => {
    // One parsed document per text, as Apollo's document cache hands every request the same one; each page's path.
    const texts = [
      {
        text: `{ calls(first: 10) { nodes { id agent { calls(first: 5) { nodes { id } } } } } }`,
        pages: ["calls", "calls.nodes.agent.calls"],
      },
      { text: `{ calls(first: 20) { total nodes { id note } } }`, pages: ["calls"] },
      {
        text: `{ ...Q } fragment Q on Query { calls(first: 7) { nodes { id } } contact { leads { id } } }`,
        pages: ["calls", "contact.leads"],
      },
    ];
    const shared = texts.map(({ text }) => parse(text));
    const operationOf = (document: ReturnType<typeof parse>) =>
      document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
    const seen = texts.map(() => new Set<number>());
    const pagesOf = texts.map(({ pages }) => [...pages]);
    fc.assert(
      fc.property(
        // Answers of several tenants (their row counts differ) in any order, past the 64 remembered per operation; a page absent returned none.
        fc.array(
          fc.record({
            text: fc.nat(texts.length - 1),
            counts: fc.array(fc.option(fc.nat(60), { nil: undefined }), { minLength: 2, maxLength: 2 }),
          }),
          { minLength: 1, maxLength: 150 },
        ),
        (answers) => {
          for (const { text, counts } of answers) {
            const rows = new Map<string, number>();
            texts[text].pages.forEach((page, i) => counts[i] !== undefined && rows.set(page, counts[i]!));
            // The model: the formula over a document parsed anew, which nothing was remembered for.
            const fresh = parse(texts[text].text);
            const expected = operationCost(schema, fresh, operationOf(fresh), {}, rows);
            expect(operationCost(schema, shared[text], operationOf(shared[text]), {}, rows)).toBe(expected);
            // The same rows as the read path's statement counts them (`20,3`, one array of pages per plan), remembered by that text.
            const counted = { pages: pagesOf[text], counts: texts[text].pages.map((_, i) => counts[i] ?? 0).join(",") };
            expect(operationCost(schema, shared[text], operationOf(shared[text]), {}, counted)).toBe(expected);
            seen[text].add(expected);
          }
        },
      ),
      { numRuns: 100 },
    );
    // The rows did change the cost: the model is not a constant.
    for (const costs of seen) expect(costs.size).toBeGreaterThan(10);
  });

  it("costs counted rows by the pages they were counted for: the same counts for other pages are not the remembered cost", () => {
    const text = `{ calls(first: 20) { nodes { id agent { calls(first: 5) { nodes { id note } } } } } }`;
    const document = parse(text);
    const operation = document.definitions[0] as OperationDefinitionNode;
    // The model: the formula over the text parsed anew, nothing remembered for it.
    const byPath = (outer: number, inner: number) => {
      const fresh = parse(text);
      const rows = new Map([
        ["calls", outer],
        ["calls.nodes.agent.calls", inner],
      ]);
      return operationCost(schema, fresh, fresh.definitions[0] as OperationDefinitionNode, {}, rows);
    };
    const inOrder = { pages: ["calls", "calls.nodes.agent.calls"], counts: "3,12" };
    expect(operationCost(schema, document, operation, {}, inOrder)).toBe(byPath(3, 12));
    // A plan compiled again (another array) reading the same pages keeps what was remembered; other pages start over.
    expect(operationCost(schema, document, operation, {}, { ...inOrder, pages: [...inOrder.pages] })).toBe(byPath(3, 12));
    const swapped = { pages: ["calls.nodes.agent.calls", "calls"], counts: "3,12" };
    expect(byPath(12, 3)).not.toBe(byPath(3, 12));
    expect(operationCost(schema, document, operation, {}, swapped)).toBe(byPath(12, 3));
    // No pages read: every page returned none (the root's fields alone).
    expect(operationCost(schema, document, operation, {}, { pages: [], counts: "" })).toBe(byPath(0, 0));
  });

  it("refuses above MAX_COST as a validation failure naming both numbers", () => {
    expect(MAX_COST).toBe(50_000);
    expect(costRefusal(MAX_COST)).toBeNull();
    const refusal = costRefusal(MAX_COST + 1)!;
    expect(refusal.message).toBe("Query cost limit of 50000 exceeded, found 50001: ask for smaller pages (first) or fewer nested lists");
    expect(refusal.extensions).toEqual({ code: "GRAPHQL_VALIDATION_FAILED", http: { status: 400 } });
  });
});

describe("query limits", () => {
  const messages = (query: string, introspection = true) =>
    validate(schema, parse(query), queryLimits({ development: false, introspection }).validationRules).map((e) => e.message);

  it("are the documented ceilings", () => {
    expect(QUERY_LIMITS).toEqual({ maxDepth: 10, maxAliases: 30, maxCost: 50_000, maxDirectives: 50, maxTokens: 2000 });
    expect(Object.isFrozen(QUERY_LIMITS)).toBe(true);
    expect(queryLimits({ development: false, introspection: true }).parseOptions).toEqual({ maxTokens: 2000 });
  });

  it("refuse depth over 10 (fragment spreads count), aliases over 30 (__typename too), directives over 50", () => {
    const nest = (n: number) => `{ ${"node { ... on Call { agent { calls { nodes { ".repeat(n)}id${" } } } } }".repeat(n)} }`;
    expect(messages(`{ calls { nodes { agent { calls { nodes { agent { calls { nodes { agent { name } } } } } } } } } }`)).toEqual([]);
    expect(
      messages(`{ calls { nodes { agent { calls { nodes { agent { calls { nodes { agent { calls { nodes { id } } } } } } } } } } } }`),
    ).toEqual([expect.stringMatching(/Query depth limit of 10 exceeded/)]);
    expect(messages(nest(3))).toEqual([expect.stringMatching(/depth limit/)]);
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(" ")} }`;
    expect(messages(aliases(30))).toEqual([]);
    expect(messages(aliases(31))).toEqual([expect.stringMatching(/Aliases limit of 30 exceeded/)]);
    const directives = (n: number) => `{ __typename ${"@include(if: true) ".repeat(n)} }`;
    expect(messages(directives(50))).toEqual([]);
    expect(messages(directives(51))).toEqual([expect.stringMatching(/Directives limit of 50 exceeded/)]);
    // Reported as plain validation errors (the transports add their code), not armor's own BAD_USER_INPUT.
    const rules = queryLimits({ development: false, introspection: true }).validationRules;
    for (const query of [directives(51), aliases(31)]) {
      expect(validate(schema, parse(query), rules).map((e) => e.extensions)).toEqual([{}]);
    }
  });

  it("do not count introspection's depth, count fragment levels, and leave the cost to query-cost.ts", () => {
    const ofType = (n: number): string => (n === 0 ? "name" : `name ofType { ${ofType(n - 1)} }`);
    expect(messages(`{ __schema { types { fields { type { ${ofType(10)} } } } } }`)).toEqual([]);
    // Eleven levels counting the two inline fragments, nine without.
    const spread = `{ node { ... on Call { agent { calls { nodes { node { ... on Call { agent { calls { nodes { id } } } } } } } } } } }`;
    expect(messages(spread)).toEqual([expect.stringMatching(/depth limit of 10/)]);
    // Deep and wide, far above graphql-armor's own default cost limit, and within every ceiling of ours.
    const wide = `{ calls { nodes { agent { calls { nodes { agent { calls { nodes { ${"id note ".repeat(300)} } } } } } } } } }`;
    expect(messages(wide)).toEqual([]);
  });

  it("without introspection, refuse __schema and __type on both transports", () => {
    expect(messages(`{ __schema { queryType { name } } }`, true)).toEqual([]);
    expect(messages(`{ __schema { queryType { name } } __type(name: "Call") { name } }`, false)).toEqual([
      "Introspection is disabled on this server: __schema and __type cannot be queried",
      "Introspection is disabled on this server: __schema and __type cannot be queried",
    ]);
    expect(messages(`{ call(id: "1") { id } }`, false)).toEqual([]);
    const [refusal] = validate(
      schema,
      parse(`{ __schema { queryType { name } } }`),
      queryLimits({ development: false, introspection: false }).validationRules,
    );
    expect(refusal.locations).toEqual([{ line: 1, column: 3 }]);
  });

  it("hide schema details except in development with introspection on", () => {
    expect(hidesSchemaDetails({ development: true, introspection: true })).toBe(false);
    expect(hidesSchemaDetails({ development: true, introspection: false })).toBe(true);
    expect(hidesSchemaDetails({ development: false, introspection: true })).toBe(true);
    expect(queryLimits({ development: true, introspection: true }).hideSchemaDetails).toBe(false);
    expect(queryLimits({ development: false, introspection: true }).hideSchemaDetails).toBe(true);
  });

  it("strip a trailing 'Did you mean …?' and give WebSocket clients Apollo's codes", () => {
    expect(withoutSuggestion('Cannot query field "nte" on type "Call". Did you mean "note"?')).toBe(
      'Cannot query field "nte" on type "Call".',
    );
    expect(withoutSuggestion("Did you mean nothing? Not at the end.")).toBe("Did you mean nothing? Not at the end.");
    expect(withoutSuggestion('Unknown argument "x".Did you mean "y" or "z"?')).toBe('Unknown argument "x".');
    const [parseError] = validate(schema, parse(`{ call(id: "1") { nte } }`));
    const [hidden] = toClientErrors([parseError], ErrorCode.GRAPHQL_VALIDATION_FAILED, true);
    expect(hidden.message).toBe('Cannot query field "nte" on type "Call".');
    expect(hidden.extensions).toEqual({ code: "GRAPHQL_VALIDATION_FAILED" });
    expect(hidden.locations).toEqual(parseError.locations);
    const [shown] = toClientErrors([parseError], ErrorCode.GRAPHQL_PARSE_FAILED, false);
    expect(shown.message).toBe(parseError.message);
    expect(shown.extensions.code).toBe("GRAPHQL_PARSE_FAILED");
    let syntax: GraphQLError | undefined;
    try {
      parse("{ call(");
    } catch (error) {
      syntax = error as GraphQLError;
    }
    const [fromSource] = toClientErrors([syntax!], ErrorCode.GRAPHQL_PARSE_FAILED, true);
    expect(fromSource.locations).toEqual([{ line: 1, column: 8 }]);
    expect(fromSource.extensions).toEqual({ code: "GRAPHQL_PARSE_FAILED" });
  });
});

describe("unstorable and too deeply nested argument text", () => {
  it("names each literal or variable string with NUL or a lone surrogate by its argument path, once", () => {
    const message = "must not contain NUL characters or unpaired UTF-16 surrogates";
    expect(unsafe(`{ echo(text: "fine 😀") }`)).toEqual([]);
    expect(unsafe(`{ echo(text: "a\\u0000b") }`)).toEqual([{ field: "text", message }]);
    expect(unsafe(`query($a: String, $b: String) { echo(input: { name: $a, tags: ["ok", $b] }) }`, { a: "\uD800", b: "\uDC00" })).toEqual([
      { field: "input.name", message },
      { field: "input.tags[1]", message },
    ]);
    expect(unsafe(`query($i: EchoInput) { echo(input: $i) }`, { i: { name: "x", tags: ["\u0000"], nested: { name: "\uD800" } } })).toEqual(
      expect.arrayContaining([
        { field: "input.tags[0]", message },
        { field: "input.nested.name", message },
      ]),
    );
    expect(unsafe(`query($t: String) { echo(text: $t) a: echo(text: $t) }`, { t: "\u0000" })).toEqual([{ field: "text", message }]);
    expect(unsafe(`query($t: String) { echo(text: $t) }`)).toEqual([]);
    expect(unsafe(`query($l: [String]) { echo(list: $l) }`, { l: [1, null, true, "\u0000"] })).toEqual([{ field: "list[3]", message }]);
    expect(unsafe(`{ ...F } fragment F on Query { echo(text: "\\u0000") }`)).toEqual([{ field: "text", message }]);
    expect(unsafe(`{ call(id: 5) { id } echo(input: { role: ADMIN }) }`)).toEqual([]);
  });

  it("keeps the first finding of a path", () => {
    const message = "must not contain NUL characters or unpaired UTF-16 surrogates";
    const deep = (levels: number): unknown => (levels === 0 ? "x" : { nested: deep(levels - 1) });
    expect(
      unsafe(`query($a: EchoInput, $b: EchoInput) { echo(input: $a) b: echo(input: $b) }`, { a: { nested: "\u0000" }, b: deep(40) }),
    ).toEqual([{ field: "input.nested", message }]);
    const lists = (levels: number): string => (levels === 0 ? `"x"` : `[${lists(levels - 1)}]`);
    expect(unsafe(`{ echo(list: ${lists(31)}) }`)).toEqual([]);
    expect(unsafe(`{ echo(list: ${lists(32)}) }`)).toEqual([
      { field: `list${"[0]".repeat(32)}`, message: "must not nest more than 32 levels deep" },
    ]);
  });

  it("refuses a value nested deeper than MAX_NESTING, reported at the argument's first level", () => {
    expect(MAX_NESTING).toBe(32);
    const deep = (levels: number): unknown => (levels === 0 ? "x" : { nested: deep(levels - 1) });
    const tooDeep = `must not nest more than 32 levels deep`;
    expect(unsafe(`query($i: EchoInput) { echo(input: $i) }`, { i: deep(32) })).toEqual([]);
    expect(unsafe(`query($i: EchoInput) { echo(input: $i) }`, { i: deep(33) })).toEqual([{ field: "input.nested", message: tooDeep }]);
    const list = (levels: number): unknown => (levels === 0 ? "x" : [list(levels - 1)]);
    expect(unsafe(`query($l: [String]) { echo(list: $l) }`, { l: list(33) })).toEqual([{ field: "list[0]", message: tooDeep }]);
    const literal = (levels: number): string => (levels === 0 ? `"x"` : `{ nested: ${literal(levels - 1)} }`);
    expect(unsafe(`{ echo(input: ${literal(31)}) }`)).toEqual([]);
    expect(unsafe(`{ echo(input: ${literal(32)}) }`)).toEqual([{ field: `input${".nested".repeat(32)}`, message: tooDeep }]);
    expect(unsafe(`query($t: String) { echo(input: ${literal(20).replace(`"x"`, "$t")}) }`, { t: deep(13) })).toEqual([
      { field: `input${".nested".repeat(20)}`, message: tooDeep },
    ]);
    expect(unsafe(`query($t: String) { echo(input: ${literal(20).replace(`"x"`, "$t")}) }`, { t: deep(12) })).toEqual([]);
    expect(unsafe(`{ echo(list: [[["\\u0000"]]]) }`)).toEqual([
      { field: "list[0][0][0]", message: "must not contain NUL characters or unpaired UTF-16 surrogates" },
    ]);
  });
});

describe("allowlist and rate-limit gates", () => {
  const key = (over: Partial<Extract<Principal, { kind: "API_KEY" }>> = {}): Principal => ({
    kind: "API_KEY",
    workspaceId: "w",
    apiKeyId: "k",
    prefix: "p",
    grants: 0,
    rateLimit: null,
    allowlist: null,
    ...over,
    spend: over.spend ?? null,
  });
  const member: Principal = {
    kind: "MEMBER",
    workspaceId: "w",
    memberId: "m",
    role: "ADMIN" as never,
    sessionId: "s",
    sessionExpiresAt: new Date(0),
    grants: 0,
  };

  it("refuses a key used from outside its allowlist with 403 IP_NOT_ALLOWED; anyone else passes", () => {
    const only = { allows: (address: string | undefined) => address === "203.0.113.1" };
    expect(() => enforceAllowlist(key({ allowlist: only }), "203.0.113.1")).not.toThrow();
    expect(() => enforceAllowlist(key({ allowlist: only }), "203.0.113.2")).toThrow("This API key may not be used from your address");
    expect(() => enforceAllowlist(key(), "203.0.113.2")).not.toThrow();
    expect(() => enforceAllowlist(member, "203.0.113.2")).not.toThrow();
    expect(() => enforceAllowlist(null, "203.0.113.2")).not.toThrow();
    expect(ipNotAllowed().extensions).toEqual({ code: "FORBIDDEN", reason: "IP_NOT_ALLOWED", http: { status: 403 } });
  });

  it("counts only keys with a limit, and writes the RateLimit headers", async () => {
    const consumed: string[] = [];
    const limiter: RateLimiter = {
      consume: async (id, limit) => {
        consumed.push(`${id} ${limit.limit}/${limit.windowSeconds}`);
        return { allowed: true, limit: limit.limit, remaining: 4, resetSeconds: 9 };
      },
      close: async () => {},
    };
    expect(consumeRateLimit(null, limiter)).toBeUndefined();
    expect(consumeRateLimit(member, limiter)).toBeUndefined();
    expect(consumeRateLimit(key(), limiter)).toBeUndefined();
    const decision = await consumeRateLimit(key({ rateLimit: { limit: 5, windowSeconds: 60 } }), limiter);
    expect(consumed).toEqual(["k 5/60"]);
    const res = new ServerResponse(new IncomingMessage(new Socket()));
    setRateLimitHeaders(res, decision!);
    expect([res.getHeader("RateLimit-Limit"), res.getHeader("RateLimit-Remaining"), res.getHeader("RateLimit-Reset")]).toEqual([
      "5",
      "4",
      "9",
    ]);
  });
});

describe("subscriptions over HTTP and bad variables", () => {
  it("refuses a subscription over HTTP with 400 BAD_REQUEST pointing at the socket; other operations pass", async () => {
    const hooks = (await httpSubscriptionGuardPlugin().requestDidStart!({} as never))!;
    const resolve = (operation: string | undefined) =>
      hooks.didResolveOperation!({ operation: operation ? { operation } : undefined } as never);
    await expect(resolve("subscription")).rejects.toMatchObject({
      message: "Subscriptions are served over WebSocket on /graphql (protocol graphql-transport-ws), not over HTTP",
      extensions: { code: "BAD_REQUEST", http: { status: 400 } },
    });
    await expect(resolve("query")).resolves.toBeUndefined();
    await expect(resolve(undefined)).resolves.toBeUndefined();
  });

  it("recovers the argument path of graphql-js's variable errors", async () => {
    const messageOf = async (query: string, variables: Record<string, unknown>) =>
      (await graphql({ schema, source: query, variableValues: variables })).errors![0].message;
    const ECHO = `query($input: EchoInput) { echo(input: $input) }`;
    expect(fieldsOfVariableError(await messageOf(ECHO, { input: { role: "ROOT" } }))).toEqual([
      { field: "input.role", message: expect.stringMatching(/Value "ROOT" does not exist in "Role" enum/) },
    ]);
    expect(fieldsOfVariableError(await messageOf(ECHO, { input: { bogus: 1 } }))).toEqual([
      { field: "input.bogus", message: expect.stringMatching(/Field "bogus" is not defined by type "EchoInput"/) },
    ]);
    expect(fieldsOfVariableError(await messageOf(ECHO, { input: 5 }))).toEqual([
      { field: "input", message: expect.stringMatching(/Expected type "EchoInput" to be an object/) },
    ]);
    expect(fieldsOfVariableError(await messageOf(`query($id: ID!) { call(id: $id) { id } }`, {}))).toEqual([
      { field: "id", message: "is required" },
    ]);
    expect(fieldsOfVariableError(await messageOf(`query($id: ID!) { call(id: $id) { id } }`, { id: null }))).toEqual([
      { field: "id", message: "is required" },
    ]);
    expect(
      fieldsOfVariableError('Variable "$i" got invalid value {} at "i.x"; Field "y" of required type "Int!" was not provided.'),
    ).toEqual([{ field: "i.x.y", message: 'Field "y" of required type "Int!" was not provided.' }]);
    expect(fieldsOfVariableError('Variable "$i" got invalid value {}; Field "y" of required type "Int!" was not provided.')).toEqual([
      { field: "i.y", message: 'Field "y" of required type "Int!" was not provided.' },
    ]);
    expect(fieldsOfVariableError('Variable "$i" got invalid value 1; Int cannot represent non-integer value: 1.5')).toEqual([
      { field: "i", message: "Int cannot represent non-integer value: 1.5" },
    ]);
    expect(fieldsOfVariableError("Cannot query field x")).toBeNull();
    expect(fieldsOfVariableError('Variable "$i" of required type "Int!" was not provided. Extra')).toBeNull();
  });

  it("an answer over the response bound is refused as a validation failure naming the bound", () => {
    expect(responseTooLarge(10)).toMatchObject({
      message:
        "The answer is larger than this server's limit of 10 bytes (RESPONSE_MAX_BYTES): ask for smaller pages (first) or fewer fields",
      extensions: { code: "GRAPHQL_VALIDATION_FAILED", http: { status: 400 } },
    });
  });
});

describe("CORS", () => {
  async function preflight(origins: string[], origin?: string) {
    const middleware = corsMiddleware(origins);
    const server = createServer((req, res) => middleware(req, res, () => res.end("next")));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as { port: number };
    try {
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: "OPTIONS",
        headers: { ...(origin ? { origin } : {}), "access-control-request-method": "POST" },
      });
      const get = await fetch(`http://127.0.0.1:${port}/graphql`, { headers: origin ? { origin } : {} });
      return { preflight: response, get };
    } finally {
      server.close();
    }
  }

  it("sends no CORS headers by default", async () => {
    const { preflight: answer, get } = await preflight([], "https://app.example");
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
    expect(answer.headers.get("access-control-allow-credentials")).toBeNull();
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("* allows any origin without credentials, with the listed methods, headers and max age", async () => {
    const { preflight: answer, get } = await preflight(["*"], "https://app.example");
    expect(answer.status).toBe(204);
    expect(answer.headers.get("access-control-allow-origin")).toBe("*");
    expect(answer.headers.get("access-control-allow-credentials")).toBeNull();
    expect(answer.headers.get("access-control-allow-methods")).toBe("GET,POST,OPTIONS");
    expect(answer.headers.get("access-control-allow-headers")).toBe(
      "Content-Type,Authorization,Apollo-Require-Preflight,X-Apollo-Operation-Name,X-Request-Id",
    );
    expect(answer.headers.get("access-control-max-age")).toBe("600");
    expect(get.headers.get("access-control-expose-headers")).toBe(
      "Retry-After,RateLimit-Limit,RateLimit-Remaining,RateLimit-Reset,WWW-Authenticate,X-Request-Id",
    );
    expect(await get.text()).toBe("next");
  });

  it("a list echoes only its own origins, with credentials", async () => {
    const listed = await preflight(["https://a.example", "https://b.example"], "https://b.example");
    expect(listed.preflight.headers.get("access-control-allow-origin")).toBe("https://b.example");
    expect(listed.preflight.headers.get("access-control-allow-credentials")).toBe("true");
    const other = await preflight(["https://a.example"], "https://evil.example");
    expect(other.preflight.headers.get("access-control-allow-origin")).toBeNull();
    const none = await preflight(["https://a.example"]);
    expect(none.get.headers.get("access-control-allow-origin")).toBeNull();
  });
});
