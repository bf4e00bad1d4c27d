import { agentResource } from "../../src/resources/agent.resource";
import { callResource } from "../../src/resources/call.resource";
import { contactResource } from "../../src/resources/contact.resource";
import { integrationResource } from "../../src/resources/integration.resource";
import { knowledgeBaseDocumentResource } from "../../src/resources/knowledge-base-document.resource";
import { leadResource } from "../../src/resources/lead.resource";
import { ResourceDefinition, ResourceRecord } from "../../src/resources/resource-definition";
import { startTestServer, TestServer } from "../support/server";

/** Read from the resource definitions, so a filter added later without an index fails here. */
const DEFINITIONS: ResourceDefinition<ResourceRecord>[] = [
  agentResource,
  contactResource,
  leadResource,
  callResource,
  knowledgeBaseDocumentResource,
  integrationResource,
] as never;

let server: TestServer;
let indexes: { tablename: string; indexdef: string }[];
beforeAll(async () => {
  server = await startTestServer();
  indexes = await server.dataSource.query(`SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema()`);
});
afterAll(() => server.stop());

const tableOf = (d: ResourceDefinition<ResourceRecord>) => server.dataSource.getMetadata(d.entity).tableName;
const defsOn = (table: string) => indexes.filter((i) => i.tablename === table).map((i) => i.indexdef.replace(/"/g, ""));

describe.each(DEFINITIONS.map((d) => [d.label, d] as const))("%s", (_label, definition) => {
  it("has the keyset index every list pages on: (workspace_id, created_at DESC, id DESC)", () => {
    expect(defsOn(tableOf(definition)).some((d) => d.includes("(workspace_id, created_at DESC, id DESC)"))).toBe(true);
  });

  it("has an index behind every filter it offers", () => {
    const table = tableOf(definition);
    for (const [name, rule] of Object.entries(definition.filters)) {
      const defs = rule.kind === "sql" ? defsOn(`${table}_agent`) : defsOn(table);
      const ok =
        rule.kind === "contains"
          ? defs.some((d) => /USING gin/.test(d) && d.includes("gin_trgm_ops"))
          : rule.kind === "sql"
            ? defs.some((d) => d.includes("(agent_id"))
            : defs.some((d) => d.includes(`(workspace_id, ${rule.column}, created_at DESC, id DESC)`));
      expect([name, ok]).toEqual([name, true]);
    }
  });
});

it("the trigram index serves a case-insensitive substring match (pg_trgm is loaded, embedded or not)", async () => {
  const plan: { "QUERY PLAN": string }[] = await server.dataSource.transaction(async (tx) => {
    await tx.query("SET LOCAL enable_seqscan = off");
    return tx.query(`EXPLAIN SELECT id FROM agent WHERE name ILIKE '%lph%'`);
  });
  expect(plan.map((p) => p["QUERY PLAN"]).join("\n")).toMatch(/agent_text_trgm_idx/);
});
