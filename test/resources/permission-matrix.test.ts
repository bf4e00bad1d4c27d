import { GraphQLSchema } from "graphql";
import { PermissionMap } from "../../src/auth/permission-map";
import { ACCESSES, Access, grantBit, grantNames, GrantMask, READ_ONLY_RESOURCES, RESOURCES } from "../../src/auth/resource";
import { buildAppSchema } from "../../src/schema/build-schema";
import { gql } from "../support/client";
import { createKey, signUp, SignedUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { MatrixOperation, operationFor } from "./operation-builder";

/**
 * The permission matrix, generated from the schema's own `@permission` directives rather than
 * written by hand: a field added later is covered without editing this file.
 */
let server: TestServer;
let admin: SignedUp;
let schema: GraphQLSchema;
let operations: MatrixOperation[];
const keys = new Map<GrantMask, Promise<string>>();

beforeAll(async () => {
  server = await startTestServer();
  admin = await signUp(server.url);
  schema = await buildAppSchema();
  const map = new PermissionMap(schema);
  const subscription = schema.getSubscriptionType()?.name;
  operations = [];
  for (const entry of map.entries()) {
    if (entry.type === subscription) continue; // API keys never subscribe
    const op = operationFor(schema, map, entry.type, entry.field);
    if (!op) throw new Error(`no operation an API key could run reaches ${entry.type}.${entry.field}`);
    operations.push(op);
  }
});
afterAll(() => server.stop());

const ALL_BITS = RESOURCES.flatMap((r) =>
  ACCESSES.filter((a) => a === Access.READ || !READ_ONLY_RESOURCES.has(r)).map((a) => ({ r, a, bit: grantBit(r, a) })),
);

/** A key holding exactly `mask` (a key needs one grant at least: an unrelated one stands in for none). */
function keyFor(mask: GrantMask, avoid: GrantMask): Promise<string> {
  const held = mask || ALL_BITS.find((b) => !(avoid & b.bit))!.bit;
  if (!keys.has(held)) {
    const permissions = RESOURCES.map((r) => ({
      resource: r.toUpperCase(),
      read: !!(held & grantBit(r, Access.READ)),
      write: !!(held & grantBit(r, Access.WRITE)),
    })).filter((p) => p.read || p.write);
    keys.set(
      held,
      createKey(server.url, admin.token, permissions).then((k) => k.secret),
    );
  }
  return keys.get(held)!;
}

it("covers every field that carries @permission, resources and analytics included", () => {
  const targets = operations.map((o) => o.target);
  expect(targets.length).toBeGreaterThanOrEqual(90);
  for (const t of [
    "Query.calls",
    "Mutation.deleteIntegration",
    "Agent.knowledgeBase",
    "Call.agent",
    "Lead.contact",
    "Analytics.callsPerDay",
    "AgentStats.agent",
    "Integration.config",
  ]) {
    expect(targets).toContain(t);
  }
});

/** What an allowed operation may still answer: its sample arguments name an absent id or a placeholder input. */
const ANSWERS_TO_SAMPLE_ARGUMENTS = new Set(["NOT_FOUND", "BAD_USER_INPUT"]);

it("allows every field to a key holding exactly the grants it needs", async () => {
  // Allowed means answered: a 200 whose errors, if any, are about the sample arguments; a 403, a 401 or a 5xx is not.
  const notAnswered: string[] = [];
  for (const op of operations) {
    const response = await gql(server.url, op.query, {}, await keyFor(op.needed, op.needed));
    const codes = (response.body.errors ?? []).map((e) => e.extensions?.code);
    if (response.status !== 200 || codes.some((code) => !ANSWERS_TO_SAMPLE_ARGUMENTS.has(code))) {
      notAnswered.push(`${op.target}: ${response.status} ${JSON.stringify(response.body.errors)}`);
    }
  }
  expect(notAnswered).toEqual([]);
});

it("refuses every field with 403 and exactly the missing grant when any one needed grant is removed", async () => {
  const wrong: string[] = [];
  for (const op of operations) {
    for (const { bit } of ALL_BITS.filter((b) => op.needed & b.bit)) {
      const response = await gql(server.url, op.query, {}, await keyFor(op.needed & ~bit, op.needed));
      const error = response.body.errors?.[0];
      const ok =
        response.status === 403 &&
        response.body.data == null &&
        response.body.errors?.length === 1 &&
        error?.extensions?.code === "FORBIDDEN" &&
        JSON.stringify(error.extensions.missingPermissions) === JSON.stringify(grantNames(bit));
      if (!ok) wrong.push(`${op.target} without ${grantNames(bit)}: ${response.status} ${JSON.stringify(response.body)}`);
    }
  }
  expect(wrong).toEqual([]);
});
