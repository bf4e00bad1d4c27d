import type { Pool } from "pg";
import { DataSource } from "typeorm";
import { Clock } from "../common/clock";
import { AgentEntity } from "../entities/agent.entity";
import { CallEntity } from "../entities/call.entity";
import { ContactEntity } from "../entities/contact.entity";
import { IntegrationEntity } from "../entities/integration.entity";
import { KnowledgeBaseDocumentEntity } from "../entities/knowledge-base-document.entity";
import { LeadEntity } from "../entities/lead.entity";
import { agentResource } from "./agent.resource";
import { callResource } from "./call.resource";
import { contactResource } from "./contact.resource";
import { integrationResource } from "./integration.resource";
import { knowledgeBaseDocumentResource } from "./knowledge-base-document.resource";
import { leadResource } from "./lead.resource";
import { ReadPath } from "./read-path";
import { ResourceService } from "./resource.service";

/** The six resources' services (one generic service, six definitions), and the read path every read of them takes. */
export interface ResourceServices {
  agents: ResourceService<AgentEntity>;
  contacts: ResourceService<ContactEntity>;
  leads: ResourceService<LeadEntity>;
  calls: ResourceService<CallEntity>;
  knowledgeBaseDocuments: ResourceService<KnowledgeBaseDocumentEntity>;
  integrations: ResourceService<IntegrationEntity>;
  /** Every read of the resources and their relations, planned into one statement from the selection. */
  reads: ReadPath;
}

/** `readPool`: where the read path's statements run (`dedicatedPool` with generic plans). */
export function createResourceServices(db: DataSource, clock: Clock, readPool: Pool): ResourceServices {
  return {
    agents: new ResourceService(db, clock, agentResource),
    contacts: new ResourceService(db, clock, contactResource),
    leads: new ResourceService(db, clock, leadResource),
    calls: new ResourceService(db, clock, callResource),
    knowledgeBaseDocuments: new ResourceService(db, clock, knowledgeBaseDocumentResource),
    integrations: new ResourceService(db, clock, integrationResource),
    reads: new ReadPath(db, readPool),
  };
}
