import { GraphQLError } from "graphql";
import type { Principal } from "../../auth/principal";
import { ErrorCode, type ForbiddenReason } from "../../common/errors";

/** 403 FORBIDDEN with `reason: "IP_NOT_ALLOWED"` (docs/API.md, "IP allowlists"). */
export function ipNotAllowed(): GraphQLError {
  return new GraphQLError("This API key may not be used from your address", {
    extensions: { code: ErrorCode.FORBIDDEN, reason: "IP_NOT_ALLOWED" satisfies ForbiddenReason, http: { status: 403 } },
  });
}

/**
 * Refuses an API-key request from an address outside the key's allowlist, after authentication
 * and before the rate limit (so a refusal uses up none of it) and before anything executes. The
 * allowlist was compiled when the key was verified and is cached with it: this is a few
 * comparisons. The request pipeline meters the refusal, once, as IP_NOT_ALLOWED.
 */
export function enforceAllowlist(principal: Principal | null, clientAddress: string | undefined): void {
  if (principal?.kind !== "API_KEY" || !principal.allowlist || principal.allowlist.allows(clientAddress)) return;
  throw ipNotAllowed();
}
