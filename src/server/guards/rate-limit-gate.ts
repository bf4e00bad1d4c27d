import type { ServerResponse } from "node:http";
import type { Principal } from "../../auth/principal";
import type { RateDecision, RateLimiter } from "../../throttles/rate-limiter";

/**
 * Counts an API-key request against the key's limit before its operation is even parsed, so a
 * flood costs no GraphQL work. Undefined, at once, for a caller without a limit. The refusal itself (429
 * RATE_LIMITED with `Retry-After`) and its metering are the request pipeline's.
 */
export function consumeRateLimit(principal: Principal | null, rateLimiter: RateLimiter): Promise<RateDecision> | undefined {
  // The limit came with the verified key: no second hash, look-up or query per request.
  if (principal?.kind !== "API_KEY" || !principal.rateLimit) return undefined;
  return rateLimiter.consume(principal.apiKeyId, principal.rateLimit);
}

/** `RateLimit-Limit/Remaining/Reset` on every HTTP response to a key that has a limit, refusals included. */
export function setRateLimitHeaders(res: ServerResponse, decision: RateDecision): void {
  res.setHeader("RateLimit-Limit", String(decision.limit));
  res.setHeader("RateLimit-Remaining", String(decision.remaining));
  res.setHeader("RateLimit-Reset", String(decision.resetSeconds));
}
