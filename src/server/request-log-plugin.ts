import { ApolloServerPlugin } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import type { Principal } from "../auth/principal";
import type { Logger } from "../logger";
import { GraphQLContext, RequestMeta } from "./context";
import { isDatabaseUnavailable } from "./format-error";

/**
 * One log line per request: who (never a secret), what, how it ended, how long it took. It also
 * turns a database outage into HTTP 503, so clients and load balancers can tell it from a bug.
 */
export function requestLogPlugin(logger: Logger): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async willSendResponse({ response, errors, operation, operationName }) {
          if (errors?.some((e) => isDatabaseUnavailable(unwrapResolverError(e)))) response.http.status = 503;
          const requestId = contextValue.meta?.requestId;
          const codes = errors?.map((e) => String(e.extensions?.code ?? "INTERNAL_SERVER_ERROR"));
          const status = response.http.status ?? 200;
          logger[status >= 500 ? "warn" : "info"](
            {
              requestId,
              ip: contextValue.meta?.ip,
              principal: describePrincipal(contextValue.principal),
              operationType: operation?.operation ?? null,
              operationName: operationName ?? null,
              outcome: outcomeOf(status, codes),
              status,
              errors: codes,
              durationMs: Math.round(performance.now() - started),
            },
            "graphql request",
          );
        },
      };
    },
  };
}

/** Who called, as logs may show it: member id, or key id and prefix. Never a token. */
export function describePrincipal(p: Principal | null | undefined) {
  if (!p) return null;
  return p.kind === "MEMBER" ? { kind: p.kind, memberId: p.memberId, role: p.role } : { kind: p.kind, apiKeyId: p.apiKeyId, prefix: p.prefix };
}

/** One word for dashboards and alerts: how the request ended. */
export function outcomeOf(status: number, codes: string[] | undefined): string {
  if (!codes?.length) return status < 400 ? "OK" : "REFUSED";
  const first = codes[0];
  if (first === "INTERNAL_SERVER_ERROR") return "ERROR";
  return first;
}

/**
 * Requests refused while the context is built (bad credential, database away) never reach
 * Apollo's plugins; this logs them in the same shape.
 */
export function logRefusedRequest(logger: Logger, meta: RequestMeta, error: unknown, started: number): void {
  const extensions = (error as { extensions?: { code?: string; reason?: string; http?: { status?: number } } }).extensions;
  const code = extensions?.code ?? "INTERNAL_SERVER_ERROR";
  const status = extensions?.http?.status ?? 500;
  logger[status >= 500 ? "warn" : "info"](
    {
      requestId: meta.requestId,
      ip: meta.ip,
      principal: null,
      reason: extensions?.reason,
      outcome: code,
      status,
      errors: [code],
      durationMs: Math.round(performance.now() - started),
    },
    "graphql request refused before execution",
  );
}
