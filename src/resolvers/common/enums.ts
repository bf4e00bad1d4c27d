import { registerEnumType } from "type-graphql";
import { Access, Resource } from "../../auth/resource";
import { AuditAction } from "../../entities/audit-entry.entity";
import { MemberRole } from "../../auth/member-role";
import { ApiKeyStatus } from "../../keys/api-key-rules";

export enum PrincipalKind {
  MEMBER = "MEMBER",
  API_KEY = "API_KEY",
}

registerEnumType(Resource, { name: "Resource", description: "What a grant covers." });
registerEnumType(Access, { name: "Access", description: "Read and write are granted separately; write never implies read." });
registerEnumType(MemberRole, {
  name: "MemberRole",
  description:
    "ADMIN holds every grant and manages keys and members; SECURITY reads keys, usage and the audit log, revokes keys and watches usage.",
});
registerEnumType(ApiKeyStatus, {
  name: "ApiKeyStatus",
  description: "Derived at the instant of the request: REVOKED if revoked, else EXPIRED once expiresAt ≤ now, else ACTIVE.",
});
registerEnumType(PrincipalKind, { name: "PrincipalKind" });
registerEnumType(AuditAction, { name: "AuditAction" });
