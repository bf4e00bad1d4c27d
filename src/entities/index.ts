import { ApiKeyGrantEntity } from "./api-key-grant.entity";
import { ApiKeySpendEntity } from "./api-key-spend.entity";
import { ApiKeyEntity } from "./api-key.entity";
import { AuditEntryEntity } from "./audit-entry.entity";
import { MemberSessionEntity } from "./member-session.entity";
import { MemberEntity } from "./member.entity";
import { WorkspaceEntity } from "./workspace.entity";
import { AgentEntity } from "./agent.entity";
import { CallEntity } from "./call.entity";
import { ContactEntity } from "./contact.entity";
import { IntegrationEntity } from "./integration.entity";
import { KnowledgeBaseDocumentAgentEntity } from "./knowledge-base-document-agent.entity";
import { KnowledgeBaseDocumentEntity } from "./knowledge-base-document.entity";
import { LeadEntity } from "./lead.entity";
import { SecurityAlertEntity } from "./security-alert.entity";
import { TrustedOperationEntity } from "./trusted-operation.entity";
import { WorkspacePolicyEntity } from "./workspace-policy.entity";

/** Every entity the DataSource knows; new entities are added here and in a migration. */
export const entities = [
  WorkspaceEntity,
  MemberEntity,
  MemberSessionEntity,
  ApiKeyEntity,
  ApiKeyGrantEntity,
  ApiKeySpendEntity,
  AuditEntryEntity,
  AgentEntity,
  ContactEntity,
  LeadEntity,
  CallEntity,
  KnowledgeBaseDocumentEntity,
  KnowledgeBaseDocumentAgentEntity,
  IntegrationEntity,
  SecurityAlertEntity,
  TrustedOperationEntity,
  WorkspacePolicyEntity,
];
