import { Clock } from "../common/clock";
import { AuthFailureReason } from "../common/errors";
import { MemberRole } from "../entities/member.entity";
import type { VerifiableKey } from "../keys/key-cache";
import { grantsOfRole, Principal } from "./principal";
import { parseBearer, sha256 } from "./token";

/** A failed verification is a status, not an exception; one mapper turns reasons into errors. */
export type Verification =
  | { ok: true; principal: Principal | null }
  | { ok: false; reason: AuthFailureReason; apiKey?: { id: string; workspaceId: string; prefix: string } };

export interface KeySource {
  get(digest: string): Promise<VerifiableKey | null>;
}

export interface SessionRecord {
  sessionId: string;
  memberId: string;
  workspaceId: string;
  role: MemberRole;
  expiresAt: Date;
  endedAt: Date | null;
}

export interface SessionSource {
  get(digest: string): Promise<SessionRecord | null>;
}

/**
 * Turns an `Authorization` header into a principal or a reason. A token of the wrong shape or
 * checksum is refused here, before any look-up.
 */
export class Verifier {
  constructor(private readonly keys: KeySource, private readonly sessions: SessionSource, private readonly clock: Clock) {}

  async verify(header: unknown): Promise<Verification> {
    const bearer = parseBearer(header);
    switch (bearer.kind) {
      case "none":
        return { ok: true, principal: null };
      case "malformed":
        return { ok: false, reason: "MALFORMED" };
      case "apiKey":
        return this.verifyKey(bearer.token);
      case "session":
        return this.verifySession(bearer.token);
    }
  }

  private async verifyKey(token: string): Promise<Verification> {
    const key = await this.keys.get(sha256(token));
    if (!key) return { ok: false, reason: "INVALID" };
    const apiKey = { id: key.id, workspaceId: key.workspaceId, prefix: key.prefix };
    if (key.revokedAt !== null) return { ok: false, reason: "REVOKED", apiKey };
    if (key.expiresAt !== null && key.expiresAt <= this.clock.now().getTime()) return { ok: false, reason: "EXPIRED", apiKey };
    return {
      ok: true,
      principal: { kind: "API_KEY", workspaceId: key.workspaceId, apiKeyId: key.id, prefix: key.prefix, grants: key.grants, rateLimit: key.rateLimit, allowlist: key.allowlist },
    };
  }

  private async verifySession(token: string): Promise<Verification> {
    const session = await this.sessions.get(sha256(token));
    if (!session) return { ok: false, reason: "INVALID" };
    if (session.endedAt) return { ok: false, reason: "REVOKED" };
    if (session.expiresAt.getTime() <= this.clock.now().getTime()) return { ok: false, reason: "EXPIRED" };
    return {
      ok: true,
      principal: {
        kind: "MEMBER",
        workspaceId: session.workspaceId,
        memberId: session.memberId,
        role: session.role,
        sessionId: session.sessionId,
        sessionExpiresAt: session.expiresAt,
        grants: grantsOfRole(session.role),
      },
    };
  }
}
