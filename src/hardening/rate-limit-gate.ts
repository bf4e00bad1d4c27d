import type { IncomingMessage, ServerResponse } from "node:http";
import type { Principal } from "../auth/principal";
import { rateLimited } from "../common/errors";
import { guessOperationType, requestOperation } from "../server/metering-plugin";
import type { Services } from "../services";
import { UsageOutcome } from "../usage/usage-event";

/**
 * Counts an API-key request against the key's limit before anything else runs, and tells the
 * client where it stands with `RateLimit-Limit/Remaining/Reset` on every response. Over the limit
 * the request is refused with 429 RATE_LIMITED and `Retry-After`; it never reaches Apollo's
 * pipeline, so it is metered here, once, as RATE_LIMITED (counted in usage, published on
 * `usageEvents`).
 */
export async function enforceRateLimit(req: IncomingMessage, res: ServerResponse, principal: Principal | null, services: Services): Promise<void> {
  // The limit came with the verified key: no second hash, look-up or query per request.
  if (principal?.kind !== "API_KEY" || !principal.rateLimit) return;
  const limit = principal.rateLimit;
  const decision = await services.rateLimiter.consume(principal.apiKeyId, limit);
  res.setHeader("RateLimit-Limit", String(decision.limit));
  res.setHeader("RateLimit-Remaining", String(decision.remaining));
  res.setHeader("RateLimit-Reset", String(decision.resetSeconds));
  if (decision.allowed) return;
  const operation = requestOperation(req as IncomingMessage & { body?: unknown });
  services.usage.recorder.record({
    workspaceId: principal.workspaceId,
    apiKeyId: principal.apiKeyId,
    operationType: guessOperationType(operation.query),
    operationName: operation.operationName ?? /^\s*(?:query|mutation)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(operation.query ?? "")?.[1] ?? null,
    outcome: UsageOutcome.RATE_LIMITED,
    clientAddress: (req as IncomingMessage & { ip?: string }).ip ?? req.socket.remoteAddress,
  });
  throw rateLimited(decision.resetSeconds);
}
