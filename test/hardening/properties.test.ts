import fc from "fast-check";
import {
  buildSchema,
  GraphQLEnumType,
  isCompositeType,
  getNamedType,
  GraphQLObjectType,
  parse,
  getOperationAST,
  ConstDirectiveNode,
} from "graphql";
import { authorize } from "../../src/auth/authorize";
import { OperationAnalyzer } from "../../src/auth/operation-analysis";
import { PermissionMap } from "../../src/auth/permission-map";
import { ApiKeyPrincipal } from "../../src/auth/principal";
import { Access, ALL_GRANTS, grantBit, Resource, RESOURCES } from "../../src/auth/resource";
import { API_KEY_PREFIX, BASE62, checksumOf, isWellFormedApiKey, issueApiKeySecret, parseBearer } from "../../src/auth/token";
import { ManualClock } from "../../src/common/clock";
import { Verifier } from "../../src/auth/verifier";

/** A schema shaped like grantql's resources, so the properties hold whatever resolvers exist today. */
const SDL = `
enum Resource { CALLS LEADS AGENTS ANALYTICS CONTACTS KNOWLEDGE_BASE INTEGRATIONS }
enum Access { READ WRITE }
directive @permission(resource: Resource!, access: Access!) repeatable on FIELD_DEFINITION | OBJECT
type Query {
  calls: [Call!]! @permission(resource: CALLS, access: READ)
  agents: [Agent!]! @permission(resource: AGENTS, access: READ)
  leads: [Lead!]! @permission(resource: LEADS, access: READ)
  analytics: Analytics! @permission(resource: ANALYTICS, access: READ)
  integrations: [Integration!]! @permission(resource: INTEGRATIONS, access: READ)
  ping: String
}
type Call @permission(resource: CALLS, access: READ) { id: ID! summary: String agent: Agent @permission(resource: AGENTS, access: READ) lead: Lead @permission(resource: LEADS, access: READ) }
type Agent @permission(resource: AGENTS, access: READ) { id: ID! name: String calls: [Call!]! @permission(resource: CALLS, access: READ) documents: [Document!]! @permission(resource: KNOWLEDGE_BASE, access: READ) }
type Lead @permission(resource: LEADS, access: READ) { id: ID! name: String contact: Contact @permission(resource: CONTACTS, access: READ) calls: [Call!]! @permission(resource: CALLS, access: READ) }
type Contact @permission(resource: CONTACTS, access: READ) { id: ID! firstName: String leads: [Lead!]! @permission(resource: LEADS, access: READ) }
type Document @permission(resource: KNOWLEDGE_BASE, access: READ) { id: ID! title: String agents: [Agent!]! @permission(resource: AGENTS, access: READ) }
type Analytics @permission(resource: ANALYTICS, access: READ) { totalCalls: Int topAgent: Agent @permission(resource: AGENTS, access: READ) }
type Integration @permission(resource: INTEGRATIONS, access: READ) { id: ID! name: String }
type Mutation {
  createCall: Call! @permission(resource: CALLS, access: WRITE)
  deleteLead: ID! @permission(resource: LEADS, access: WRITE)
  updateAgent: Agent! @permission(resource: AGENTS, access: WRITE)
  createContact: Contact! @permission(resource: CONTACTS, access: WRITE) @permission(resource: CONTACTS, access: READ)
}`;

const schema = buildSchema(SDL);
// SDL enums carry their names as values; the app's enums carry the lower-case Resource/Access values.
for (const value of (schema.getType("Resource") as GraphQLEnumType).getValues())
  value.value = Resource[value.name as keyof typeof Resource];
for (const value of (schema.getType("Access") as GraphQLEnumType).getValues()) value.value = Access[value.name as keyof typeof Access];
const analyzer = new OperationAnalyzer(new PermissionMap(schema));

/** The oracle: a field's needs read straight from its directives, independently of PermissionMap. */
function directiveMask(directives: readonly ConstDirectiveNode[] | undefined): number {
  let mask = 0;
  for (const d of directives ?? []) {
    if (d.name.value !== "permission") continue;
    const arg = (name: string) => (d.arguments!.find((a) => a.name.value === name)!.value as { value: string }).value;
    mask |= grantBit(Resource[arg("resource") as keyof typeof Resource], Access[arg("access") as keyof typeof Access]);
  }
  return mask;
}

interface Selected {
  text: string;
  needed: number;
}

/** A random selection on `type`, up to `depth` levels, with aliases, inline fragments and skipped fields. */
function selectionOn(type: GraphQLObjectType, depth: number): fc.Arbitrary<Selected> {
  const fields = Object.values(type.getFields());
  const one = fc.constantFrom(...fields).chain((field) => {
    const named = getNamedType(field.type);
    const own = directiveMask(field.astNode?.directives) | (field.name === "id" ? 0 : directiveMask(type.astNode?.directives));
    const child = isCompositeType(named)
      ? depth > 0
        ? selectionOn(named as GraphQLObjectType, depth - 1)
        : fc.constant({ text: "__typename", needed: 0 })
      : fc.constant(null);
    return fc.tuple(child, fc.constantFrom("plain", "alias", "fragment", "skipped", "included")).map(([sub, form]): Selected => {
      const body = `${field.name}${sub ? ` { ${sub.text} }` : ""}`;
      const needed = own | (sub?.needed ?? 0);
      switch (form) {
        case "alias":
          return { text: `renamed_${field.name}: ${body}`, needed };
        case "fragment":
          return { text: `... on ${type.name} { ${body} }`, needed };
        case "skipped":
          return { text: `${field.name} @skip(if: true)${sub ? ` { ${sub.text} }` : ""}`, needed: 0 };
        case "included":
          return { text: `${field.name} @include(if: true)${sub ? ` { ${sub.text} }` : ""}`, needed };
        default:
          return { text: body, needed };
      }
    });
  });
  return fc
    .array(one, { minLength: 1, maxLength: 4 })
    .map((parts) => ({ text: parts.map((p) => p.text).join(" "), needed: parts.reduce((m, p) => m | p.needed, 0) }));
}

const operation = fc.oneof(
  selectionOn(schema.getQueryType()!, 3).map((s) => ({ ...s, text: `query { ${s.text} }` })),
  selectionOn(schema.getMutationType()!, 2).map((s) => ({ ...s, text: `mutation { ${s.text} }` })),
);
const grants = fc.integer({ min: 0, max: ALL_GRANTS }).map((g) => g & ALL_GRANTS);
const key = (mask: number): ApiKeyPrincipal => ({
  kind: "API_KEY",
  workspaceId: "w",
  apiKeyId: "k",
  prefix: "p",
  grants: mask,
  rateLimit: null,
  allowlist: null,
  spend: null,
});

function decide(text: string, mask: number) {
  // The analysis runs on any parsed operation; whether it would also pass validation does not matter here.
  const document = parse(text);
  const analysis = analyzer.analyze(document, getOperationAST(document)!, {});
  return authorize(key(mask), analysis);
}

function names(mask: number): string[] {
  return RESOURCES.flatMap((r) => [Access.READ, Access.WRITE].filter((a) => mask & grantBit(r, a)).map((a) => `${r}:${a}`)).sort();
}

describe("permission analysis (fast-check)", () => {
  it("a refusal lists exactly the grants the selection needs and the key lacks; none missing means allowed", () => {
    fc.assert(
      fc.property(operation, grants, (op, mask) => {
        const refusal = decide(op.text, mask);
        const missing = op.needed & ~mask;
        if (missing === 0) return refusal === null;
        return (
          refusal?.extensions.code === "FORBIDDEN" &&
          JSON.stringify(refusal.extensions.missingPermissions) === JSON.stringify(names(missing))
        );
      }),
      { numRuns: 500 },
    );
  });

  it("is monotonic: allowed with grants G means allowed with every superset of G, and more grants never add a missing one", () => {
    fc.assert(
      fc.property(operation, grants, grants, (op, g, extra) => {
        const before = decide(op.text, g);
        const after = decide(op.text, g | extra);
        if (before === null) return after === null;
        const lacking = new Set((after?.extensions.missingPermissions as string[] | undefined) ?? []);
        return [...lacking].every((n) => (before.extensions.missingPermissions as string[]).includes(n));
      }),
      { numRuns: 500 },
    );
  });

  it("the same operation gives the same decision every time (the cache never changes an answer)", () => {
    fc.assert(
      fc.property(operation, grants, (op, mask) => {
        const document = parse(op.text);
        const first = authorize(key(mask), analyzer.analyze(document, getOperationAST(document)!, {}));
        const again = authorize(key(mask), analyzer.analyze(document, getOperationAST(document)!, {}));
        return JSON.stringify(first?.extensions ?? null) === JSON.stringify(again?.extensions ?? null);
      }),
      { numRuns: 200 },
    );
  });
});

describe("token parsing (fast-check)", () => {
  const headerLike = fc.oneof(
    fc.anything(),
    fc.string(),
    fc.string({ unit: "binary" }),
    fc.string().map((s) => `Bearer ${s}`),
    fc.string({ unit: fc.constantFrom(...BASE62.split("")), minLength: 30, maxLength: 45 }).map((s) => `Bearer gqk_${s}`),
    fc.string({ unit: fc.constantFrom(...BASE62.split("")), minLength: 40, maxLength: 46 }).map((s) => `bearer gqs_${s}`),
  );

  it("parseBearer and isWellFormedApiKey never throw, whatever they are given", () => {
    fc.assert(
      fc.property(headerLike, (header) => {
        const parsed = parseBearer(header);
        isWellFormedApiKey(header as string);
        return ["none", "malformed", "apiKey", "session"].includes(parsed.kind);
      }),
      { numRuns: 2000 },
    );
  });

  it("the verifier answers a status for any header and never throws", async () => {
    const verifier = new Verifier({ get: async () => null }, { get: async () => null }, new ManualClock(new Date()));
    await fc.assert(
      fc.asyncProperty(headerLike, async (header) => {
        const result = await verifier.verify(header);
        return result.ok ? result.principal === null : ["MALFORMED", "INVALID"].includes(result.reason);
      }),
      { numRuns: 1000 },
    );
  });

  it("every issued key is well formed, and changing any one character makes it malformed", () => {
    fc.assert(
      fc.property(fc.integer({ min: API_KEY_PREFIX.length, max: 41 }), fc.constantFrom(...BASE62.split("")), (index, replacement) => {
        const { secret } = issueApiKeySecret();
        if (!isWellFormedApiKey(secret) || parseBearer(`Bearer ${secret}`).kind !== "apiKey") return false;
        if (secret[index] === replacement) return true;
        const typo = secret.slice(0, index) + replacement + secret.slice(index + 1);
        return !isWellFormedApiKey(typo) && parseBearer(`Bearer ${typo}`).kind === "malformed";
      }),
      { numRuns: 1000 },
    );
  });

  it("a checksum is always 6 base62 characters", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...BASE62.split("")), minLength: 32, maxLength: 32 }), (random) =>
        /^[0-9A-Za-z]{6}$/.test(checksumOf(random)),
      ),
    );
  });
});
