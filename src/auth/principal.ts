import { MemberRole } from "./member-role";
import { ALL_GRANTS, GrantMask, NO_GRANTS } from "./resource";

/** Who is calling, as the rest of the system sees it: never a raw token. */
export type Principal = MemberPrincipal | ApiKeyPrincipal;

export interface MemberPrincipal {
  readonly kind: "MEMBER";
  readonly workspaceId: string;
  readonly memberId: string;
  readonly role: MemberRole;
  readonly sessionId: string;
  readonly sessionExpiresAt: Date;
  readonly grants: GrantMask;
}

export interface ApiKeyPrincipal {
  readonly kind: "API_KEY";
  readonly workspaceId: string;
  readonly apiKeyId: string;
  readonly prefix: string;
  readonly grants: GrantMask;
  /** The key's request limit, if it has one, as verified with it. */
  readonly rateLimit: { readonly limit: number; readonly windowSeconds: number } | null;
  /** The addresses the key may be used from, compiled when it was verified; null allows any. */
  readonly allowlist: Allowlist | null;
  /** The ids of the trusted operations the key may run (docs/API.md, "Trusted operations"); null: any operation. */
  readonly trustedOperations?: ReadonlySet<string> | null;
  /** What the key may spend (its cost budget and credits), as verified with it; null when it has neither. */
  readonly spend: KeySpend | null;
}

/**
 * A key's cost budget and credits as the request path needs them; `id` names the balance, which a
 * key shares with the key it was rotated from or to.
 */
export interface KeySpend {
  readonly id: string;
  readonly budget: { readonly maximum: number; readonly restorePerSecond: number } | null;
  readonly credits: {
    /** Moves whenever the balance is set anew (create, update, `set`, a refill). */
    readonly generation: number;
    readonly refill: { readonly amount: number; readonly interval: "DAILY" | "MONTHLY"; readonly dayOfMonth: number | null } | null;
    readonly lastRefillAt: number | null;
    /** When the balance was last set: no refill is due for a boundary before it. */
    readonly setAt: number;
  } | null;
}

/** A compiled allowlist: parsed once when the key is verified, then a few comparisons a request. */
export interface Allowlist {
  allows(clientAddress: string | undefined): boolean;
}

/** ADMIN holds every resource grant; SECURITY holds none (docs/API.md, "Who may do what"). */
export function grantsOfRole(role: MemberRole): GrantMask {
  return role === MemberRole.ADMIN ? ALL_GRANTS : NO_GRANTS;
}
