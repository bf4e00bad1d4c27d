import { GraphQLError, GraphQLSchema, parse, validate, getOperationAST, DocumentNode } from "graphql";
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

export interface WebSocketOptions {
  schema: GraphQLSchema;
  services: Services;
  analyzer: OperationAnalyzer;
  logger: Logger;
}

type Extra = { principal?: Principal; socket: import("ws").WebSocket } & Record<PropertyKey, unknown>;

export const WS_UNAUTHORIZED = 4401;
export const WS_FORBIDDEN = CloseCode.Forbidden; // 4403

/**
 * The graphql-ws adapter: authenticate at connect (4401 for a missing or bad token, 4403 for an
 * API key, which may never subscribe), authorize each subscribe with the same analysis as HTTP.
 */
export function attachWebSocket(wsServer: WebSocketServer, options: WebSocketOptions): { dispose(): Promise<void> } {
  const { schema, services, analyzer, logger } = options;
  const documents = new LRUCache<string, DocumentNode>({ max: 1000 });
  const server = useServer<Record<string, unknown>, Extra>(
    {
      schema,
      onConnect: async (ctx) => {
        const header = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        let verification;
        try {
          verification = await services.verifier.verify(header);
        } catch (error) {
          if (!isDatabaseUnavailable(error)) logger.error({ err: error }, "websocket authentication failed unexpectedly");
          ctx.extra.socket.close(1011, "Service unavailable");
          return false;
        }
        if (!verification.ok || !verification.principal) {
          ctx.extra.socket.close(WS_UNAUTHORIZED, verification.ok ? "Unauthorized: missing token" : `Unauthorized: ${verification.reason}`);
          return false;
        }
        if (verification.principal.kind === "API_KEY") {
          ctx.extra.socket.close(WS_FORBIDDEN, "Forbidden: API keys cannot subscribe");
          return false;
        }
        ctx.extra.principal = verification.principal;
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const principal = ctx.extra.principal ?? null;
        let document = documents.get(payload.query);
        if (!document) {
          try {
            document = parse(payload.query, { maxTokens: 10_000 });
          } catch (error) {
            return [error as GraphQLError];
          }
          const errors = validate(schema, document);
          if (errors.length > 0) return errors;
          documents.set(payload.query, document);
        }
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new GraphQLError("Unable to identify the operation to run", { extensions: { code: "BAD_USER_INPUT" } })];
        const analysis = analyzer.analyze(document, operation, payload.variables);
        const refusal = authorize(principal, analysis);
        if (refusal) return [refusal];
        const contextValue = buildContext(principal, services, { requestId: `ws-${_id}` });
        contextValue.analysis = analysis;
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
      },
    },
    wsServer,
  );
  return { dispose: async () => server.dispose() };
}
