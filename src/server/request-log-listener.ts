import type { Principal } from "../auth/principal";
import type { Logger } from "../logger";
import type { OutcomeListener } from "./request-pipeline";

/**
 * One log line per request, HTTP or WebSocket, refused ones included: who (never a secret), from
 * where, what, how it ended, how long it took.
 */
export function requestLogListener(logger: Logger): OutcomeListener {
  return (request) => {
    const { outcome } = request;
    const level = outcome.status >= 500 ? "warn" : "info";
    // The line's fields are only gathered when its level is written.
    if (!logger.isLevelEnabled(level)) return;
    logger[level](
      {
        requestId: request.meta.requestId,
        ip: request.meta.ip,
        transport: request.transport,
        principal: describePrincipal(request.principal),
        operationType: request.operation?.type ?? null,
        operationName: request.operation?.name ?? request.raw.operationName ?? null,
        outcome: outcome.code,
        ...(outcome.authFailure ? { reason: outcome.authFailure } : {}),
        status: outcome.status,
        errors: outcome.codes.length ? outcome.codes : undefined,
        durationMs: Math.round(request.durationMs),
      },
      "graphql request",
    );
  };
}

/** Who called, as logs may show it: member id, or key id and prefix. Never a token. */
export function describePrincipal(p: Principal | null | undefined) {
  if (!p) return null;
  return p.kind === "MEMBER"
    ? { kind: p.kind, memberId: p.memberId, role: p.role }
    : { kind: p.kind, apiKeyId: p.apiKeyId, prefix: p.prefix };
}
