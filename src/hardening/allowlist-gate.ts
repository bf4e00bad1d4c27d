import type { IncomingMessage } from "node:http";
import { GraphQLError } from "graphql";
import type { Principal } from "../auth/principal";
import { ErrorCode } from "../common/errors";
import { guessOperationType, requestOperation } from "../server/metering-plugin";
import type { Services } from "../services";
import { UsageOutcome } from "../usage/usage-event";

/** 403 FORBIDDEN with `reason: "IP_NOT_ALLOWED"` (CONTRACT.md section 8). */
export function ipNotAllowed(): GraphQLError {
  return new GraphQLError("This API key may not be used from your address", {
    extensions: { code: ErrorCode.FORBIDDEN, reason: "IP_NOT_ALLOWED", http: { status: 403 } },
  });
}

/**
 * Refuses an API-key request from an address outside the key's allowlist, after authentication
 * and before the rate limit (so a refusal uses up none of it) and before anything executes. The
 * allowlist was compiled when the key was verified and is cached with it: this is a few
 * comparisons. The refusal is metered here, once, as IP_NOT_ALLOWED.
 */
export function enforceAllowlist(req: IncomingMessage, principal: Principal | null, clientAddress: string | undefined, services: Services): void {
  if (principal?.kind !== "API_KEY" || !principal.allowlist || principal.allowlist.allows(clientAddress)) return;
  const operation = requestOperation(req as IncomingMessage & { body?: unknown });
  services.usage.recorder.record({
    workspaceId: principal.workspaceId,
    apiKeyId: principal.apiKeyId,
    operationType: guessOperationType(operation.query),
    operationName: operation.operationName ?? /^\s*(?:query|mutation)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(operation.query ?? "")?.[1] ?? null,
    outcome: UsageOutcome.IP_NOT_ALLOWED,
    clientAddress,
  });
  throw ipNotAllowed();
}
