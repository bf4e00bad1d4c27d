import type DataLoader from "dataloader";
import { workspaceLoaders } from "../common/loaders";
import { Page, PageArgs, encodeCursor } from "../common/pagination";
import { AgentEntity } from "../entities/agent.entity";
import { CallEntity } from "../entities/call.entity";
import { ContactEntity } from "../entities/contact.entity";
import { KnowledgeBaseDocumentEntity } from "../entities/knowledge-base-document.entity";
import { LeadEntity } from "../entities/lead.entity";
import { CallParent } from "./resource-relations";
import { ResourceServices } from "./resource-services";

/**
 * Per-request batching for the resources' relations: a list of N records with their relations
 * costs a constant number of statements, not one per record. Loaders of a request without a
 * workspace (no principal) answer every key with nothing.
 */
export interface ResourceLoaders {
  agent: DataLoader<string, AgentEntity | null>;
  contact: DataLoader<string, ContactEntity | null>;
  lead: DataLoader<string, LeadEntity | null>;
  documentsOfAgent: DataLoader<string, KnowledgeBaseDocumentEntity[]>;
  agentsOfDocument: DataLoader<string, AgentEntity[]>;
  leadsOfContact: DataLoader<string, LeadEntity[]>;
  /** Calls of one parent; parents asking for the same page share a batch. */
  callsOf(parent: CallParent, page: PageArgs): DataLoader<string, Page<CallEntity>>;
}

export function createResourceLoaders(resources: ResourceServices, workspaceId: string | null): ResourceLoaders {
  const { byId, grouped } = workspaceLoaders(workspaceId);
  const callLoaders = new Map<string, DataLoader<string, Page<CallEntity>>>();
  const emptyPage = (): Page<CallEntity> => ({ edges: [], nodes: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: 0 });
  return {
    agent: byId((ws, ids) => resources.agents.byIds(ws, ids)),
    contact: byId((ws, ids) => resources.contacts.byIds(ws, ids)),
    lead: byId((ws, ids) => resources.leads.byIds(ws, ids)),
    documentsOfAgent: grouped(
      (ws, ids) => resources.relations.documentsOfAgents(ws, ids),
      () => [],
    ),
    agentsOfDocument: grouped(
      (ws, ids) => resources.relations.agentsOfDocuments(ws, ids),
      () => [],
    ),
    leadsOfContact: grouped(
      (ws, ids) => resources.relations.leadsOfContacts(ws, ids),
      () => [],
    ),
    callsOf(parent, page) {
      const key = `${parent}|${page.first}|${page.after ? encodeCursor(page.after) : ""}`;
      let loader = callLoaders.get(key);
      if (!loader) {
        loader = grouped((ws, ids) => resources.relations.callPages(ws, parent, ids, page), emptyPage);
        callLoaders.set(key, loader);
      }
      return loader;
    },
  };
}
