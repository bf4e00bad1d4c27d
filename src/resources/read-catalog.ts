import { DataSource } from "typeorm";
import { callDurationSql } from "../entities/call.entity";
import { agentResource } from "./agent.resource";
import { callResource } from "./call.resource";
import { contactResource } from "./contact.resource";
import { maskConfig } from "./integration-config";
import { integrationResource } from "./integration.resource";
import { knowledgeBaseDocumentResource } from "./knowledge-base-document.resource";
import { leadResource } from "./lead.resource";
import { ResourceDefinition, ResourceRecord } from "./resource-definition";

/** How a GraphQL field of a resource reaches other rows, for the read planner. */
export type ReadRelation =
  /** `call.agent`: the row named by a foreign id column of this one, or null. */
  | { kind: "one"; type: string; column: string }
  /** `contact.leads`: every row of `type` whose `column` names this one, newest first. */
  | { kind: "children"; type: string; column: string }
  /** `agent.knowledgeBase`: rows linked through `knowledge_base_document_agent`, newest first. */
  | { kind: "linked"; type: string; mine: string; theirs: string }
  /** `agent.calls(first, after)`: a keyset page of the calls whose `column` names this one. */
  | { kind: "calls"; column: string };

/** What the planner knows of one resource type beyond its entity's columns. */
export interface ReadType {
  definition: ResourceDefinition<ResourceRecord>;
  /** Fields computed in SQL from the row (`alias` is the row's). */
  computed?: Record<string, (alias: string) => string>;
  /** Fields read as stored, then changed in the process before anyone sees them. */
  masked?: Record<string, (value: unknown) => unknown>;
  relations?: Record<string, ReadRelation>;
}

const def = <E extends ResourceRecord>(d: ResourceDefinition<E>) => d as unknown as ResourceDefinition<ResourceRecord>;

/** The six resources' GraphQL types, by name. A type or field not described here is not planned. */
export const READ_TYPES: Record<string, ReadType> = {
  Agent: {
    definition: def(agentResource),
    relations: {
      knowledgeBase: { kind: "linked", type: "KnowledgeBaseDocument", mine: "agent_id", theirs: "document_id" },
      calls: { kind: "calls", column: "agent_id" },
    },
  },
  Call: {
    definition: def(callResource),
    computed: { durationSeconds: callDurationSql },
    relations: {
      agent: { kind: "one", type: "Agent", column: "agent_id" },
      contact: { kind: "one", type: "Contact", column: "contact_id" },
      lead: { kind: "one", type: "Lead", column: "lead_id" },
    },
  },
  Contact: {
    definition: def(contactResource),
    relations: { leads: { kind: "children", type: "Lead", column: "contact_id" }, calls: { kind: "calls", column: "contact_id" } },
  },
  Lead: {
    definition: def(leadResource),
    relations: { contact: { kind: "one", type: "Contact", column: "contact_id" }, calls: { kind: "calls", column: "lead_id" } },
  },
  KnowledgeBaseDocument: {
    definition: def(knowledgeBaseDocumentResource),
    relations: { agents: { kind: "linked", type: "Agent", mine: "document_id", theirs: "agent_id" } },
  },
  Integration: { definition: def(integrationResource), masked: { config: maskConfig } },
};

/** The GraphQL types whose values only the planner builds: the resources, their connections and edges (and PageInfo under those). */
export const PLANNED_TYPE_NAMES: ReadonlySet<string> = new Set(Object.keys(READ_TYPES).flatMap((t) => [t, `${t}Connection`, `${t}Edge`]));

export interface ReadColumn {
  name: string;
  isDate: boolean;
}

/** Table and column names from the entities' metadata, looked up once per type and field. */
export class ReadCatalog {
  private readonly columns = new Map<string, ReadColumn | null>();

  constructor(private readonly db: DataSource) {}

  table(type: string): string {
    return this.db.getMetadata(READ_TYPES[type].definition.entity).tableName;
  }

  column(type: string, field: string): ReadColumn | null {
    const key = `${type}.${field}`;
    let column = this.columns.get(key);
    if (column === undefined) {
      const meta = this.db.getMetadata(READ_TYPES[type].definition.entity).findColumnWithPropertyName(field);
      column = meta ? { name: meta.databaseName, isDate: meta.type === "timestamptz" || meta.type === Date } : null;
      this.columns.set(key, column);
    }
    return column;
  }
}
