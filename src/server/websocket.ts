import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { DocumentNode, execute, ExecutionResult, getOperationAST, GraphQLError, GraphQLFormattedError, GraphQLSchema, OperationDefinitionNode, parse, specifiedRules, validate } from "graphql";
import { CloseCode, SubscribePayload } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { LRUCache } from "lru-cache";
import type { WebSocket, WebSocketServer } from "ws";
import type { Principal } from "../auth/principal";
import { ErrorCode, forbidden, unauthenticated } from "../common/errors";
import { QueryLimits, toClientErrors } from "../hardening/query-limits";
import type { Logger } from "../logger";
import type { WebSocketObserver } from "../metrics/websocket-observer";
import type { Services } from "../services";
import { buildContext } from "./context";
import { asGraphQLError } from "./format-error";
import { requestMeta, TrustProxy } from "./http-context";
import { requestOutcome } from "./request-outcome";
import { RequestPipeline, RequestState } from "./request-pipeline";
import { SessionWatch } from "./session-watch";

export interface WebSocketOptions {
  schema: GraphQLSchema;
  services: Services;
  pipeline: RequestPipeline;
  logger: Logger;
  /** The same depth, alias, directive and token limits as HTTP. */
  limits: QueryLimits;
  /** Express's compiled TRUST_PROXY: the upgrade request's client address is read as HTTP reads it. */
  trustProxy: TrustProxy;
  development?: boolean;
  /** Metrics: refused connections, running subscriptions. */
  observer?: WebSocketObserver;
}

type Extra = {
  socket: WebSocket;
  request: IncomingMessage;
  principal?: Principal;
  authorization?: unknown;
  ip?: string;
  /** This socket's operations that have not reached their outcome yet, by id. */
  requests?: Map<string, RequestState>;
} & Record<PropertyKey, unknown>;

export const WS_UNAUTHORIZED = 4401;
export const WS_FORBIDDEN = CloseCode.Forbidden; // 4403
/** "Try again later": the database is away, not a bug in this server (1011). */
export const WS_TRY_AGAIN_LATER = 1013;

/**
 * The graphql-ws adapter of the request pipeline: authenticate at connect (4401 for a missing or
 * bad token, 4403 for an API key, which may never subscribe, 1013 while the database is away),
 * then each operation is admitted, checked, formatted and logged, metered and counted exactly as
 * an HTTP request is. A refusal HTTP answers with a status is an `error` message with the same code.
 */
export function attachWebSocket(wsServer: WebSocketServer, options: WebSocketOptions): { dispose(): Promise<void> } {
  const { schema, services, pipeline, logger } = options;
  const sessions = new SessionWatch((ids) => services.members.openSessionsIn(ids), services.clock, logger);
  const operations = operationSource(schema, options.limits, options.development ?? false);
  const requestsOf = (extra: Extra) => (extra.requests ??= new Map());
  // Results of operations already run in onSubscribe, handed to graphql-ws when it asks to execute.
  const executed = new WeakMap<object, ExecutionResult>();
  // Each list of errors goes through the formatter once (it logs internal errors).
  const formatted = new WeakMap<readonly GraphQLError[], GraphQLFormattedError[]>();
  const formatOnce = (errors: readonly GraphQLError[]) => {
    let list = formatted.get(errors);
    if (!list) formatted.set(errors, (list = errors.map((error) => pipeline.format(error))));
    return list;
  };
  const server = useServer<Record<string, unknown>, Extra>(
    {
      schema,
      execute: (args) => executed.get(args) ?? execute(args),
      onConnect: async (ctx) => {
        const header = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        const meta = requestMeta(ctx.extra.request, options.trustProxy);
        const request = pipeline.start("ws", meta, { operationType: "subscription" });
        const refuse = (error: unknown) => {
          const formatted = pipeline.format(error);
          pipeline.finish(request, [formatted]);
          const [code, reason] = closeFor(formatted);
          options.observer?.connectionRefused(code);
          ctx.extra.socket.close(code, reason);
          return false;
        };
        let principal: Principal | null;
        try {
          principal = await pipeline.admit(request, header);
        } catch (error) {
          return refuse(error);
        }
        if (!principal) return refuse(unauthenticated("MISSING"));
        if (principal.kind === "API_KEY") return refuse(forbidden("API keys cannot subscribe"));
        Object.assign(ctx.extra, { principal, authorization: header, ip: meta.ip });
        sessions.add(ctx.extra.socket, principal);
        return true;
      },
      onClose: (ctx) => {
        sessions.remove(ctx.extra.socket);
        options.observer?.closed(ctx);
      },
      onComplete: (ctx, id) => options.observer?.completed(ctx, id),
      onSubscribe: async (ctx, id, payload) => {
        const request = pipeline.start("ws", { requestId: randomUUID(), ip: ctx.extra.ip }, { query: payload.query, operationName: payload.operationName ?? undefined });
        requestsOf(ctx.extra).set(id, request);
        try {
          // Authenticated again at each operation: the session may have ended since the socket opened.
          await pipeline.admit(request, ctx.extra.authorization);
        } catch (error) {
          const refusal = asGraphQLError(error);
          if (refusal.extensions?.code === ErrorCode.UNAUTHENTICATED) ctx.extra.socket.close(WS_UNAUTHORIZED, `Unauthorized: ${String(refusal.extensions.reason)}`);
          return [refusal];
        }
        try {
          const source = operations(payload);
          if (Array.isArray(source)) return source;
          pipeline.checkOperation(request, source.document, source.operation, payload.variables);
          const args = { schema, document: source.document, operationName: payload.operationName, variableValues: payload.variables, contextValue: buildContext(request, services) };
          if (source.operation.operation === "subscription") return args;
          // A query or mutation runs here, so that an answer HTTP would send with an error status
          // (429, 401, 503 …) goes out as an `error` message, as the contract asks of the socket.
          const result = await execute(args);
          if (result.errors && statusOf(result.errors, formatOnce(result.errors), 200) >= 400) return result.errors as GraphQLError[];
          executed.set(args, result);
          return args;
        } catch (error) {
          return [asGraphQLError(error)];
        }
      },
      onError: (ctx, id, _payload, errors) => {
        const list = formatOnce(errors);
        const request = requestsOf(ctx.extra).get(id);
        requestsOf(ctx.extra).delete(id);
        if (request) pipeline.finish(request, list, statusOf(errors, list));
        return list;
      },
      onOperation: (ctx, id, _payload, _args, result) => {
        if (!isStream(result)) return; // a single result: its outcome is read when it is sent
        const request = requestsOf(ctx.extra).get(id);
        requestsOf(ctx.extra).delete(id);
        if (request) pipeline.finish(request, []);
        options.observer?.subscriptionStarted(ctx, id);
      },
      onNext: (ctx, id, _payload, _args, result) => {
        const list = result.errors ? formatOnce(result.errors) : undefined;
        const request = requestsOf(ctx.extra).get(id);
        requestsOf(ctx.extra).delete(id);
        if (request) pipeline.finish(request, list, 200);
        return list ? { ...result, errors: list } : result;
      },
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

/** The close code and reason of a refused connection_init. */
function closeFor(error: GraphQLFormattedError): [number, string] {
  switch (error.extensions?.code) {
    case ErrorCode.UNAUTHENTICATED:
      return [WS_UNAUTHORIZED, error.extensions?.reason === "MISSING" ? "Unauthorized: missing token" : `Unauthorized: ${String(error.extensions?.reason)}`];
    case ErrorCode.FORBIDDEN:
      return [WS_FORBIDDEN, "Forbidden: API keys cannot subscribe"];
    case ErrorCode.SERVICE_UNAVAILABLE:
      return [WS_TRY_AGAIN_LATER, "Service unavailable"];
    default:
      return [CloseCode.InternalServerError, "Internal server error"];
  }
}

/**
 * The status HTTP would answer these errors with: 503 when the formatter read an outage, else an
 * error's own status (429, 401 …), else `otherwise` — 200 for an executed result, as Apollo
 * answers it; for a refusal before execution, what its code says.
 */
function statusOf(errors: readonly GraphQLError[], list: GraphQLFormattedError[], otherwise?: number): number {
  const own = errors.map((e) => (e.extensions?.http as { status?: number } | undefined)?.status).find((status) => status !== undefined);
  return requestOutcome(list, own ?? otherwise).status;
}

function isStream(result: unknown): boolean {
  return typeof result === "object" && result !== null && Symbol.asyncIterator in result;
}

/**
 * Parses and validates a subscribe message's document with the same rules and limits as HTTP
 * (graphql-ws has no validation-rule option of its own), caching by text as Apollo does. Returns
 * the parse or validation errors, coded as Apollo codes them.
 */
function operationSource(schema: GraphQLSchema, limits: QueryLimits, development: boolean) {
  const documents = new LRUCache<string, DocumentNode>({ max: 1000 });
  const rules = [...specifiedRules, ...limits.validationRules];
  return (payload: SubscribePayload): GraphQLError[] | { document: DocumentNode; operation: OperationDefinitionNode } => {
    let document = documents.get(payload.query);
    if (!document) {
      try {
        document = parse(payload.query, limits.parseOptions);
      } catch (error) {
        return toClientErrors([error as GraphQLError], "GRAPHQL_PARSE_FAILED", development);
      }
      const errors = validate(schema, document, rules);
      if (errors.length > 0) return toClientErrors(errors, "GRAPHQL_VALIDATION_FAILED", development);
      documents.set(payload.query, document);
    }
    const operation = getOperationAST(document, payload.operationName);
    if (!operation) return [new GraphQLError("Unable to identify the operation to run", { extensions: { code: ErrorCode.BAD_USER_INPUT } })];
    return { document, operation };
  };
}
