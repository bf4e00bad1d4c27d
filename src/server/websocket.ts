import { GraphQLError, GraphQLSchema, parse, validate, getOperationAST, DocumentNode, specifiedRules } from "graphql";
import { CloseCode } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import type { WebSocketServer } from "ws";
import { authorize } from "../auth/authorize";
import { OperationAnalyzer } from "../auth/operation-analysis";
import { Principal } from "../auth/principal";
import { LRUCache } from "lru-cache";
import type { Logger } from "../logger";
import type { Services } from "../services";
import { buildContext } from "./context";
import { isDatabaseUnavailable } from "./format-error";
import { recordRejected } from "./metering-plugin";
import { SessionWatch } from "./session-watch";
import { UsageOutcome } from "../usage/usage-event";
import { unauthenticated } from "../common/errors";
import { QueryLimits, toClientErrors } from "../hardening/query-limits";
import { observed, type WebSocketObserver } from "../metrics/websocket-observer";

export interface WebSocketOptions {
  schema: GraphQLSchema;
  services: Services;
  analyzer: OperationAnalyzer;
  logger: Logger;
  /** The same depth, alias, cost, directive and token limits as HTTP. */
  limits?: QueryLimits;
  development?: boolean;
  /** Metrics: refused connections, operations, running subscriptions. */
  observer?: WebSocketObserver;
}

type Extra = { principal?: Principal; authorization?: unknown; socket: import("ws").WebSocket } & Record<PropertyKey, unknown>;

export const WS_UNAUTHORIZED = 4401;
export const WS_FORBIDDEN = CloseCode.Forbidden; // 4403
/** HTTP's 429 at `connection_init` (an address locked for token guessing): the reason says when to retry. */
export const WS_RATE_LIMITED = 4429;

function isRateLimited(error: unknown): error is GraphQLError {
  return error instanceof GraphQLError && error.extensions?.code === "RATE_LIMITED";
}

function refuseRateLimited(socket: import("ws").WebSocket, error: GraphQLError, observer: WebSocketObserver | undefined): false {
  observer?.connectionRefused(WS_RATE_LIMITED, "RATE_LIMITED");
  socket.close(WS_RATE_LIMITED, `Rate limited: retry after ${error.extensions.retryAfter} s`);
  return false;
}

/**
 * The graphql-ws adapter: authenticate at connect (4401 for a missing or bad token, 4403 for an
 * API key, which may never subscribe), authorize each subscribe with the same analysis as HTTP.
 */
export function attachWebSocket(wsServer: WebSocketServer, options: WebSocketOptions): { dispose(): Promise<void> } {
  const { schema, services, analyzer, logger } = options;
  const documents = new LRUCache<string, DocumentNode>({ max: 1000 });
  const rules = [...specifiedRules, ...(options.limits?.validationRules ?? [])];
  const maxTokens = options.limits?.parseOptions.maxTokens ?? 10_000;
  const sessions = new SessionWatch(openSessionsIn(services), services.clock, logger);
  const server = useServer<Record<string, unknown>, Extra>(
    {
      schema,
      onConnect: async (ctx) => {
        const header = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        let verification;
        try {
          verification = await services.verifier.verify(header, ctx.extra.request.socket.remoteAddress);
        } catch (error) {
          if (isRateLimited(error)) return refuseRateLimited(ctx.extra.socket, error, options.observer);
          if (!isDatabaseUnavailable(error)) logger.error({ err: error }, "websocket authentication failed unexpectedly");
          // 1013 "try again later": the database is away, not a bug in this server (1011).
          ctx.extra.socket.close(isDatabaseUnavailable(error) ? 1013 : 1011, "Service unavailable");
          return false;
        }
        if (!verification.ok && verification.apiKey) {
          recordRejected(services.usage.recorder, verification.apiKey, { operationType: "subscription" });
        }
        if (!verification.ok || !verification.principal) {
          options.observer?.connectionRefused(WS_UNAUTHORIZED, verification.ok ? "MISSING" : verification.reason);
          ctx.extra.socket.close(WS_UNAUTHORIZED, verification.ok ? "Unauthorized: missing token" : `Unauthorized: ${verification.reason}`);
          return false;
        }
        if (verification.principal.kind === "API_KEY") {
          // A key's attempt to subscribe counts once, as a refused subscription.
          const key = verification.principal;
          services.usage.recorder.record({ workspaceId: key.workspaceId, apiKeyId: key.apiKeyId, operationType: "subscription", outcome: UsageOutcome.FORBIDDEN });
          options.observer?.connectionRefused(WS_FORBIDDEN);
          ctx.extra.socket.close(WS_FORBIDDEN, "Forbidden: API keys cannot subscribe");
          return false;
        }
        ctx.extra.principal = verification.principal;
        ctx.extra.authorization = header;
        sessions.add(ctx.extra.socket, verification.principal);
        return true;
      },
      onClose: (ctx) => {
        sessions.remove(ctx.extra.socket);
        options.observer?.closed(ctx);
      },
      onComplete: (ctx, id) => options.observer?.completed(ctx, id),
      onSubscribe: observed(options.observer, async (ctx, _id, payload) => {
        let document = documents.get(payload.query);
        if (!document) {
          try {
            document = parse(payload.query, { maxTokens });
          } catch (error) {
            return toClientErrors([error as GraphQLError], "GRAPHQL_PARSE_FAILED", options.development ?? false);
          }
          const errors = validate(schema, document, rules);
          if (errors.length > 0) return toClientErrors(errors, "GRAPHQL_VALIDATION_FAILED", options.development ?? false);
          documents.set(payload.query, document);
        }
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new GraphQLError("Unable to identify the operation to run", { extensions: { code: "BAD_USER_INPUT" } })];
        // Authorize again at each subscribe (after the cheap checks, so malformed messages cost no
        // query): the session may have ended since the connection opened. If the database cannot
        // say, the connection's principal stands; the session watch keeps checking.
        const recheck = await services.verifier.verify(ctx.extra.authorization).catch(() => null);
        if (recheck && (!recheck.ok || !recheck.principal)) {
          ctx.extra.socket.close(WS_UNAUTHORIZED, `Unauthorized: ${recheck.ok ? "MISSING" : recheck.reason}`);
          return [unauthenticated(recheck.ok ? "MISSING" : recheck.reason)];
        }
        const principal = recheck?.ok && recheck.principal ? recheck.principal : ctx.extra.principal ?? null;
        const analysis = analyzer.analyze(document, operation, payload.variables);
        const refusal = authorize(principal, analysis);
        if (refusal) return [refusal];
        const contextValue = buildContext(principal, services, { requestId: `ws-${_id}` });
        contextValue.analysis = analysis;
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
      }),
    },
    wsServer,
  );
  return {
    dispose: async () => {
      sessions.stop();
      await server.dispose();
    },
  };
}

/** Which of these member sessions are still open (not signed out); expiry is checked by the caller. */
function openSessionsIn(services: Services) {
  return async (sessionIds: string[]): Promise<Set<string>> => {
    const rows: { id: string }[] = await services.db.query(`SELECT id::text AS id FROM member_session WHERE id = ANY($1::uuid[]) AND ended_at IS NULL`, [sessionIds]);
    return new Set(rows.map((r) => r.id));
  };
}
