import { buildSchema, GraphQLEnumType, GraphQLError, GraphQLSchema, Kind, OperationDefinitionNode, parse } from "graphql";
import { membersOnly, permission, publicOperation, withAccessDirectives } from "../../src/auth/access-directives";
import { authorize } from "../../src/auth/authorize";
import { MemberRole } from "../../src/auth/member-role";
import { conditionVariables, OperationAnalyzer } from "../../src/auth/operation-analysis";
import { PermissionMap } from "../../src/auth/permission-map";
import { grantsOfRole, Principal } from "../../src/auth/principal";
import {
  Access,
  ALL_GRANTS,
  grantBit,
  grantNames,
  maskOf,
  NO_GRANTS,
  READ_ONLY_RESOURCES,
  Resource,
  RESOURCES,
} from "../../src/auth/resource";

// The permission rules on a small schema written with the same directives as the app's.
const SDL = `
  interface Node { id: ID! }
  type Query {
    calls: [Call!]! ${permission("CALLS", "READ")}
    call(id: ID!): Call ${permission("CALLS", "READ")}
    node: Node
    me: String
    status: String ${publicOperation}
    keys: [String!] ${membersOnly("ADMIN")}
    alerts: [String!] ${membersOnly("ADMIN", "SECURITY")}
    leads: [String!] ${permission("LEADS", "READ")} ${permission("LEADS", "WRITE")}
    thing: Thing
  }
  union Thing = Call | Agent
  type Mutation { createCall: Call ${permission("CALLS", "WRITE")} }
  type Subscription { alerts: String ${membersOnly("SECURITY")} }
  type Call implements Node ${permission("CALLS", "READ")} {
    id: ID!
    note: String
    agent: Agent ${permission("AGENTS", "READ")}
  }
  type Agent implements Node ${permission("AGENTS", "READ")} { id: ID! name: String calls: [Call!]! }
`;
// Built again for each test, inside it: mutation testing sees which test runs which line.
let schema: GraphQLSchema;
let map: PermissionMap;
beforeEach(() => {
  schema = withAccessDirectives(buildSchema(SDL, { assumeValidSDL: true }));
  map = new PermissionMap(schema);
});
const bit = (resource: Resource, access: Access) => grantBit(resource, access);
const CALLS_READ = bit(Resource.CALLS, Access.READ);
const AGENTS_READ = bit(Resource.AGENTS, Access.READ);

function analyze(query: string, variables: Record<string, unknown> | null = {}, analyzer?: OperationAnalyzer) {
  analyzer ??= new OperationAnalyzer(map);
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  return analyzer.analyze(document, operation, variables);
}

describe("grants", () => {
  it("each (resource, access) is its own bit, in the API's order, and ALL_GRANTS holds all but write on read-only resources", () => {
    expect(RESOURCES).toEqual(["calls", "leads", "agents", "analytics", "contacts", "knowledge_base", "integrations"]);
    expect(bit(Resource.CALLS, Access.READ)).toBe(1);
    expect(bit(Resource.CALLS, Access.WRITE)).toBe(2);
    expect(bit(Resource.LEADS, Access.READ)).toBe(4);
    expect(bit(Resource.INTEGRATIONS, Access.WRITE)).toBe(2 ** 13);
    expect(ALL_GRANTS).toBe(2 ** 14 - 1 - bit(Resource.ANALYTICS, Access.WRITE));
    expect(NO_GRANTS).toBe(0);
    expect([...READ_ONLY_RESOURCES]).toEqual([Resource.ANALYTICS]);
  });

  it("maskOf reads grant rows; grantNames names a mask sorted", () => {
    const mask = maskOf([
      { resource: Resource.LEADS, read: true, write: false },
      { resource: Resource.CALLS, read: false, write: true },
      { resource: Resource.AGENTS, read: true, write: true },
    ]);
    expect(mask).toBe(
      bit(Resource.LEADS, Access.READ) | bit(Resource.CALLS, Access.WRITE) | AGENTS_READ | bit(Resource.AGENTS, Access.WRITE),
    );
    expect(grantNames(mask)).toEqual(["agents:read", "agents:write", "calls:write", "leads:read"]);
    expect(grantNames(0)).toEqual([]);
    expect(maskOf([])).toBe(0);
  });

  it("an ADMIN holds every grant, SECURITY none", () => {
    expect(grantsOfRole(MemberRole.ADMIN)).toBe(ALL_GRANTS);
    expect(grantsOfRole(MemberRole.SECURITY)).toBe(NO_GRANTS);
  });
});

describe("withAccessDirectives", () => {
  it("declares @permission, @members and @public next to the built-in directives, with the enums from the code", () => {
    expect(schema.getDirectives().map((d) => d.name)).toEqual([
      "include",
      "skip",
      "deprecated",
      "specifiedBy",
      "oneOf",
      "permission",
      "members",
      "public",
    ]);
    const permissionDirective = schema.getDirective("permission")!;
    expect(permissionDirective.isRepeatable).toBe(true);
    expect(permissionDirective.locations).toEqual(["FIELD_DEFINITION", "OBJECT"]);
    expect(permissionDirective.args.map((a) => `${a.name}: ${a.type}`)).toEqual(["resource: Resource!", "access: Access!"]);
    expect(permissionDirective.description).toMatch(/API key/);
    expect(schema.getDirective("members")!.args.map((a) => `${a.name}: ${a.type}`)).toEqual(["roles: [MemberRole!]!"]);
    expect(schema.getDirective("members")!.locations).toEqual(["FIELD_DEFINITION"]);
    expect(schema.getDirective("members")!.isRepeatable).toBe(false);
    expect(schema.getDirective("public")!.args).toEqual([]);
    expect(schema.getDirective("public")!.locations).toEqual(["FIELD_DEFINITION"]);
    expect(schema.getDirective("members")!.description).toMatch(/members of these roles/);
    expect(schema.getDirective("public")!.description).toMatch(/without credentials/);
    const resource = schema.getType("Resource") as GraphQLEnumType;
    expect(resource.getValues().map((v) => [v.name, v.value])).toEqual(Object.entries(Resource));
    expect((schema.getType("Access") as GraphQLEnumType).getValues().map((v) => v.value)).toEqual(["read", "write"]);
    expect((schema.getType("MemberRole") as GraphQLEnumType).getValues().map((v) => v.value)).toEqual(["ADMIN", "SECURITY"]);
  });

  it("keeps an enum the schema already has instead of declaring a second one", () => {
    const own = buildSchema(`enum Resource { CALLS } type Query { r: Resource }`);
    const withDirectives = withAccessDirectives(own);
    expect((withDirectives.getType("Resource") as GraphQLEnumType).getValues().map((v) => v.name)).toEqual(["CALLS"]);
    expect(withDirectives.getType("Access")).toBeDefined();
  });
});

describe("PermissionMap", () => {
  it("a field needs its own @permission and its type's, except `id`", () => {
    expect(map.field("Call", "id")!.mask).toBe(0);
    expect(map.field("Call", "note")!.mask).toBe(CALLS_READ);
    expect(map.field("Call", "agent")!.mask).toBe(CALLS_READ | AGENTS_READ);
    expect(map.field("Query", "leads")!.mask).toBe(bit(Resource.LEADS, Access.READ) | bit(Resource.LEADS, Access.WRITE));
    expect(map.field("Query", "nothing")).toBeUndefined();
    expect(map.field("Nothing", "id")).toBeUndefined();
    expect(map.field("__Schema", "types")).toBeUndefined();
  });

  it("gives root fields their rule: public, members of roles, else authenticated; other fields none", () => {
    expect(map.field("Query", "status")!.rule).toEqual({ kind: "public" });
    expect(map.field("Query", "me")!.rule).toEqual({ kind: "authenticated" });
    expect(map.field("Query", "keys")!.rule).toEqual({ kind: "members", roles: new Set(["ADMIN"]) });
    expect(map.field("Query", "alerts")!.rule).toEqual({ kind: "members", roles: new Set(["ADMIN", "SECURITY"]) });
    expect(map.field("Mutation", "createCall")!.rule).toEqual({ kind: "authenticated" });
    expect(map.field("Subscription", "alerts")!.rule).toEqual({ kind: "members", roles: new Set(["SECURITY"]) });
    expect(map.field("Call", "note")!.rule).toBeUndefined();
  });

  it("lists every field with a mask, and only those", () => {
    const entries = [...map.entries()].map((e) => `${e.type}.${e.field}`).sort();
    expect(entries).toEqual([
      "Agent.calls",
      "Agent.name",
      "Call.agent",
      "Call.note",
      "Mutation.createCall",
      "Query.call",
      "Query.calls",
      "Query.leads",
    ]);
  });

  it("refuses a @permission whose resource or access is unknown, quoting it", () => {
    const bad = withAccessDirectives(
      buildSchema(`type Query { x: String @permission(resource: NOPE, access: READ) }`, { assumeValidSDL: true }),
    );
    expect(() => new PermissionMap(bad)).toThrow(
      '@permission with an unknown resource or access: "@permission(resource: NOPE, access: READ)"',
    );
    const noAccess = withAccessDirectives(buildSchema(`type Query { x: String @permission(resource: CALLS) }`, { assumeValidSDL: true }));
    expect(() => new PermissionMap(noAccess)).toThrow(/unknown resource or access/);
  });

  it("reads only the roles it knows from @members, given as enum values", () => {
    const sdl = `type Query { x: String @members(roles: [ADMIN, OWNER]) y: String @members(roles: ADMIN) z: String @members(roles: ["ADMIN"]) }`;
    const oddMap = new PermissionMap(withAccessDirectives(buildSchema(sdl, { assumeValidSDL: true })));
    expect(oddMap.field("Query", "x")!.rule).toEqual({ kind: "members", roles: new Set(["ADMIN"]) });
    expect(oddMap.field("Query", "y")!.rule).toEqual({ kind: "members", roles: new Set() });
    expect(oddMap.field("Query", "z")!.rule).toEqual({ kind: "members", roles: new Set() });
    // A schema with a query root only: an operation of another type needs nothing from it.
    const mutation = parse(`mutation { x }`);
    expect(new OperationAnalyzer(oddMap).analyze(mutation, mutation.definitions[0] as OperationDefinitionNode, {})).toMatchObject({
      operationType: "mutation",
      needed: 0,
      requiresPrincipal: false,
    });
  });
});

describe("OperationAnalyzer", () => {
  it("adds up what every selected field needs, nested, and names the resources", () => {
    const analysis = analyze(`query Calls { calls { id note agent { name } } }`);
    expect(analysis).toEqual({
      operationType: "query",
      operationName: "Calls",
      needed: CALLS_READ | AGENTS_READ,
      requiresPrincipal: true,
      memberRoles: null,
      resources: [Resource.CALLS, Resource.AGENTS],
    });
    expect(analyze(`{ calls { id } }`).operationName).toBeNull();
    expect(analyze(`mutation { createCall { id } }`)).toMatchObject({
      operationType: "mutation",
      needed: bit(Resource.CALLS, Access.WRITE),
    });
  });

  it("needs nothing for __typename, introspection at the root, an unknown field, or a public field", () => {
    expect(analyze(`{ __typename }`)).toMatchObject({ needed: 0, requiresPrincipal: false, resources: [] });
    expect(analyze(`{ __schema { types { name } } __type(name: "Call") { name } }`)).toMatchObject({ needed: 0, requiresPrincipal: false });
    expect(analyze(`{ status }`)).toMatchObject({ needed: 0, requiresPrincipal: false, memberRoles: null });
    expect(analyze(`{ nothing status }`)).toMatchObject({ needed: 0, requiresPrincipal: false });
    expect(analyze(`{ me }`)).toMatchObject({ needed: 0, requiresPrincipal: true });
    expect(analyze(`{ calls { __typename } }`).needed).toBe(CALLS_READ);
  });

  it("member-only roots: the roles allowed to run every one of them", () => {
    expect(analyze(`{ alerts }`).memberRoles).toEqual(new Set(["ADMIN", "SECURITY"]));
    expect(analyze(`{ alerts keys }`).memberRoles).toEqual(new Set(["ADMIN"]));
    expect(analyze(`{ keys alerts me }`).memberRoles).toEqual(new Set(["ADMIN"]));
    expect(analyze(`subscription { alerts }`)).toMatchObject({ operationType: "subscription", memberRoles: new Set(["SECURITY"]) });
  });

  it("follows named fragments, inline fragments (typed or not) and interfaces, and survives a fragment cycle", () => {
    const query = `
      { node { id ... on Agent { name } ...AgentCalls } call(id: "1") { ... { note } } }
      fragment AgentCalls on Agent { calls { agent { id } } ...Loop }
      fragment Loop on Agent { ...AgentCalls }`;
    expect(analyze(query).needed).toBe(AGENTS_READ | CALLS_READ);
    expect(analyze(`{ node { id ...Missing } }`).needed).toBe(0);
    expect(analyze(`{ node { ... on Missing { id } } }`).needed).toBe(0);
    expect(analyze(`{ node { ... on Call { note } } }`).needed).toBe(CALLS_READ);
    expect(analyze(`{ thing { __typename ... on Agent { name } } }`).needed).toBe(AGENTS_READ);
    // What only a fragment selects is needed; a fragment on an unknown type, or an unknown one, adds nothing.
    expect(analyze(`{ node { ...A } } fragment A on Agent { name }`).needed).toBe(AGENTS_READ);
    expect(analyze(`{ node { id ...A } } fragment A on Nowhere { name }`).needed).toBe(0);
    expect(analyze(`{ node { id ...A ...A } } fragment A on Agent { calls { ...B } } fragment B on Call { note }`).needed).toBe(
      AGENTS_READ | CALLS_READ,
    );
    expect(analyze(`{ node { ... on Agent { calls { note } } } }`).needed).toBe(AGENTS_READ | CALLS_READ);
    expect(analyze(`{ node { ... on Nowhere { name } } }`).needed).toBe(0);
    // An unvalidated selection straight on a union needs nothing and breaks nothing.
    expect(analyze(`{ thing { name } }`).needed).toBe(0);
    expect(analyze(`{ calls @skip(if: false) @include(if: true) { agent @include(if: $v) { name } } }`, null).needed).toBe(
      CALLS_READ | AGENTS_READ,
    );
    expect(analyze(`{ calls @skip(if: $v) @include(if: false) { id } }`, null).needed).toBe(CALLS_READ);
  });

  it("reads @skip and @include from the variables; without variables, takes every conditional field as selected", () => {
    const query =
      `query($s: Boolean!, $i: Boolean!) { calls @skip(if: $s) { id } me { } node @include(if: $i) { ... on Agent { name } } }`.replace(
        " me { }",
        "",
      );
    expect(analyze(query, { s: true, i: false }).needed).toBe(0);
    expect(analyze(query, { s: false, i: false }).needed).toBe(CALLS_READ);
    expect(analyze(query, { s: true, i: true }).needed).toBe(AGENTS_READ);
    expect(analyze(query, null).needed).toBe(CALLS_READ | AGENTS_READ);
    expect(analyze(`{ calls @skip(if: true) { id } }`, null).needed).toBe(0);
    expect(analyze(`{ calls @include(if: false) { id } }`, null).needed).toBe(0);
    expect(analyze(`{ calls @include(if: true) @skip(if: false) { id } }`).needed).toBe(CALLS_READ);
    expect(analyze(`{ calls @deprecated { id } }`).needed).toBe(CALLS_READ);
  });

  it("caches per document, operation and the values of its condition variables", () => {
    const analyzer = new OperationAnalyzer(map);
    const document = parse(`query A($s: Boolean) { calls @skip(if: $s) { id } } query B { me }`);
    const [a, b] = document.definitions as OperationDefinitionNode[];
    const first = analyzer.analyze(document, a, { s: false });
    expect(analyzer.analyze(document, a, { s: false })).toBe(first);
    expect(analyzer.analyze(document, a, { s: true })).not.toBe(first);
    expect(analyzer.analyze(document, a, { s: true }).needed).toBe(0);
    expect(analyzer.analyze(document, a, null).needed).toBe(CALLS_READ);
    expect(analyzer.analyze(document, b, {})).toMatchObject({ operationName: "B", needed: 0 });
    const plain = parse(`{ calls { id } }`);
    const only = plain.definitions[0] as OperationDefinitionNode;
    expect(analyzer.analyze(plain, only, { s: true })).toBe(analyzer.analyze(plain, only, null)); // no condition: one entry
    // At most 64 variants of one operation are kept: adding a 65th starts over (the values here are
    // not Booleans, only distinct keys; a non-true @skip includes the field).
    const kept = analyzer.analyze(document, a, { s: 0 });
    for (let i = 1; i <= 60; i++) expect(analyzer.analyze(document, a, { s: i }).needed).toBe(CALLS_READ);
    expect(analyzer.analyze(document, a, { s: 0 })).toBe(kept); // false, true, no values, and 0 … 60: 64 entries
    analyzer.analyze(document, a, { s: 61 }); // the 65th
    expect(analyzer.analyze(document, a, { s: 0 })).not.toBe(kept);
  });

  it("lists the variables @skip and @include read, sorted, and only those", () => {
    const document = parse(
      `query($b: Boolean!, $a: Boolean!, $c: Int) { calls(first: $c) @include(if: $b) { id @skip(if: $a) note @deprecated(reason: $c) } }`,
    );
    expect(conditionVariables(document)).toEqual(["a", "b"]);
    expect(conditionVariables(document)).toBe(conditionVariables(document));
    expect(conditionVariables(parse(`{ calls { id @skip(if: true) } }`))).toEqual([]);
  });
});

describe("authorize", () => {
  const key = (grants: number): Principal => ({
    kind: "API_KEY",
    workspaceId: "w",
    apiKeyId: "k",
    prefix: "p",
    grants,
    rateLimit: null,
    allowlist: null,
    spend: null,
  });
  const member = (role: MemberRole): Principal => ({
    kind: "MEMBER",
    workspaceId: "w",
    memberId: "m",
    role,
    sessionId: "s",
    sessionExpiresAt: new Date(0),
    grants: grantsOfRole(role),
  });
  const refusal = (error: GraphQLError | null) => error && { message: error.message, extensions: error.extensions };

  it("without a principal: MISSING when the operation needs one, else allowed", () => {
    expect(refusal(authorize(null, analyze(`{ me }`)))).toMatchObject({ extensions: { code: "UNAUTHENTICATED", reason: "MISSING" } });
    expect(authorize(null, analyze(`{ status }`))).toBeNull();
  });

  it("member-only operations refuse API keys and members of other roles, without missing permissions", () => {
    expect(refusal(authorize(key(ALL_GRANTS), analyze(`{ keys }`)))).toEqual({
      message: "API keys cannot run this operation; sign in as a member",
      extensions: { code: "FORBIDDEN", http: { status: 403 } },
    });
    expect(refusal(authorize(member(MemberRole.SECURITY), analyze(`{ keys }`)))).toEqual({
      message: "Your role (SECURITY) may not run this operation",
      extensions: { code: "FORBIDDEN", http: { status: 403 } },
    });
    expect(authorize(member(MemberRole.ADMIN), analyze(`{ keys }`))).toBeNull();
    expect(authorize(member(MemberRole.SECURITY), analyze(`{ alerts }`))).toBeNull();
  });

  it("refuses the grants the selection needs and the principal lacks, naming exactly those", () => {
    expect(refusal(authorize(key(CALLS_READ), analyze(`{ calls { agent { name } } }`)))).toEqual({
      message: "Missing permission: agents:read",
      extensions: { code: "FORBIDDEN", missingPermissions: ["agents:read"], http: { status: 403 } },
    });
    expect(refusal(authorize(key(0), analyze(`{ calls { agent { name } } }`)))).toEqual({
      message: "Missing permissions: agents:read, calls:read",
      extensions: { code: "FORBIDDEN", missingPermissions: ["agents:read", "calls:read"], http: { status: 403 } },
    });
    expect(authorize(key(CALLS_READ | AGENTS_READ), analyze(`{ calls { agent { name } } }`))).toBeNull();
    expect(authorize(key(0), analyze(`{ me }`))).toBeNull();
    expect(refusal(authorize(member(MemberRole.SECURITY), analyze(`{ calls { id } }`)))?.extensions).toMatchObject({
      missingPermissions: ["calls:read"],
    });
  });
});

it("the schema the analyzer reads is the one it was given", () => {
  expect(map.schema).toBeInstanceOf(GraphQLSchema);
  expect(map.schema).toBe(schema);
});
