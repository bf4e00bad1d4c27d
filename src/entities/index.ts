import { ApiKeyGrantEntity } from "./api-key-grant.entity";
import { ApiKeyEntity } from "./api-key.entity";
import { AuditEntryEntity } from "./audit-entry.entity";
import { MemberSessionEntity } from "./member-session.entity";
import { MemberEntity } from "./member.entity";
import { WorkspaceEntity } from "./workspace.entity";

/** Every entity the DataSource knows; new entities are added here and in a migration. */
export const entities = [WorkspaceEntity, MemberEntity, MemberSessionEntity, ApiKeyEntity, ApiKeyGrantEntity, AuditEntryEntity];
