import { Clock } from "../common/clock";
import { AuthFailureReason, rateLimited } from "../common/errors";
import type { TokenGuessThrottle } from "../throttles/token-guess-throttle";
import { MemberRole } from "./member-role";
import { Allowlist, grantsOfRole, KeySpend, Principal } from "./principal";
import type { GrantMask } from "./resource";
import { parseBearer, sha256 } from "./token";

/** A failed verification is a status, not an exception; one mapper turns reasons into errors. */
export type Verification =
  | { ok: true; principal: Principal | null }
  | { ok: false; reason: AuthFailureReason; apiKey?: { id: string; workspaceId: string; prefix: string } };

const TOO_MANY_GUESSES = "Too many unknown tokens from this address";

function refusedKey(key: VerifiableKey, reason: "REVOKED" | "EXPIRED"): Verification {
  return { ok: false, reason, apiKey: { id: key.id, workspaceId: key.workspaceId, prefix: key.prefix } };
}

/** What verification needs of a key: no secret, no digest. */
export interface VerifiableKey {
  id: string;
  workspaceId: string;
  prefix: string;
  grants: GrantMask;
  expiresAt: number | null;
  revokedAt: number | null;
  /** Requests per window, enforced by the rate limiter; null when the key has none. */
  rateLimit: { limit: number; windowSeconds: number } | null;
  /** The key's IP allowlist, compiled once when loaded and cached with the key; null allows any address. */
  allowlist: Allowlist | null;
  /** Its cost budget and credits; null when it has neither (it then pays nothing for them). */
  spend: KeySpend | null;
  /** The ids of the trusted operations the key may run; null or absent: any operation. */
  trustedOperations?: ReadonlySet<string> | null;
}

export interface KeySource {
  get(digest: string): Promise<VerifiableKey | null>;
  /** What `get` would answer, when it is known without waiting (a cached key); undefined otherwise. */
  peek?(digest: string): VerifiableKey | null | undefined;
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
 * checksum is refused here, before any look-up. Given the client's address and a guess throttle,
 * unknown tokens are counted against the address, and a locked address's tokens are refused with
 * a thrown `RATE_LIMITED` error (429) before the look-up: that is a refusal to verify, not a
 * verdict on the token, so it travels like an outage rather than as a `Verification`.
 */
export class Verifier {
  private readonly valid = new WeakMap<VerifiableKey, Verification>();

  constructor(
    private readonly keys: KeySource,
    private readonly sessions: SessionSource,
    private readonly clock: Clock,
    private readonly guesses?: TokenGuessThrottle,
  ) {}

  async verify(header: unknown, clientAddress?: string): Promise<Verification> {
    const bearer = parseBearer(header);
    if (bearer.kind === "none") return { ok: true, principal: null };
    if (bearer.kind === "malformed") return { ok: false, reason: "MALFORMED" };
    const digest = sha256(bearer.token);
    // A token verified lately and a cached key are answered without waiting on a promise: the path
    // nearly every request takes.
    const admitted = this.guesses?.admit(digest, clientAddress) ?? 0;
    // Stryker disable next-line ConditionalExpression,StringLiteral: awaiting a number gives the number; the test only spares a microtask
    const wait = typeof admitted === "number" ? admitted : await admitted;
    if (wait > 0) throw rateLimited(wait, TOO_MANY_GUESSES);
    let verification: Verification;
    if (bearer.kind === "apiKey") {
      // peek: the key, null for a digest known to be no one's, undefined when only `get` can tell.
      const cached = this.keys.peek?.(digest);
      verification = this.keyVerification(cached !== undefined ? cached : await this.keys.get(digest));
    } else verification = await this.verifySession(digest);
    if (verification.ok) this.guesses?.valid(digest);
    if (!verification.ok && verification.reason === "INVALID") {
      const locked = (await this.guesses?.unknown(clientAddress)) ?? 0;
      if (locked > 0) throw rateLimited(locked, TOO_MANY_GUESSES);
    }
    return verification;
  }

  private keyVerification(key: VerifiableKey | null): Verification {
    if (!key) return { ok: false, reason: "INVALID" };
    if (key.revokedAt !== null) return refusedKey(key, "REVOKED");
    if (key.expiresAt !== null && key.expiresAt <= this.clock.nowMs()) return refusedKey(key, "EXPIRED");
    // A cached key is one object until it is read again, and so is its principal (never changed by anyone).
    let valid = this.valid.get(key);
    if (!valid) {
      valid = this.validKey(key);
      this.valid.set(key, valid);
    }
    return valid;
  }

  private validKey(key: VerifiableKey): Verification {
    return {
      ok: true,
      principal: {
        kind: "API_KEY",
        workspaceId: key.workspaceId,
        apiKeyId: key.id,
        prefix: key.prefix,
        grants: key.grants,
        rateLimit: key.rateLimit,
        allowlist: key.allowlist,
        spend: key.spend,
        trustedOperations: key.trustedOperations ?? null,
      },
    };
  }

  private async verifySession(digest: string): Promise<Verification> {
    const session = await this.sessions.get(digest);
    if (!session) return { ok: false, reason: "INVALID" };
    if (session.endedAt) return { ok: false, reason: "REVOKED" };
    if (session.expiresAt.getTime() <= this.clock.nowMs()) return { ok: false, reason: "EXPIRED" };
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
