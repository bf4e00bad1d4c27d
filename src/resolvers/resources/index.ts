import { AgentResolver } from "./agent.resolver";
import { AgentStatsResolver, AnalyticsResolver } from "./analytics.resolver";
import { CallResolver } from "./call.resolver";
import { ContactResolver } from "./contact.resolver";
import { IntegrationResolver } from "./integration.resolver";
import { KnowledgeBaseDocumentResolver } from "./knowledge-base-document.resolver";
import { LeadResolver } from "./lead.resolver";

/** The resolvers of the six resources and analytics, in the API's order (docs/API.md). */
export const resourceResolvers = [
  CallResolver,
  LeadResolver,
  AgentResolver,
  AnalyticsResolver,
  AgentStatsResolver,
  ContactResolver,
  KnowledgeBaseDocumentResolver,
  IntegrationResolver,
] as const;
