import type { IncomingMessage } from "node:http";
import { GraphQLFormattedError, GraphQLSchema } from "graphql";
import { CloseCode } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import type { WebSocketServer } from "ws";
import type { Principal } from "../auth/principal";
import { ErrorCode, forbidden, overLimit, unauthenticated } from "../common/errors";
import type { QueryLimits } from "./guards/query-limits";
import type { Config } from "../config";
import type { Logger } from "../logger";
import type { WebSocketObserver } from "../metrics/websocket-observer";
import type { Services } from "../services";
import { requestMeta, TrustProxy } from "./http-context";
import { spliceInto, spliceReplacer } from "./planned-response";
import { RequestPipeline } from "./request-pipeline";
import { SessionWatch } from "./session-watch";
import { SocketOperations, SocketState, WS_UNAUTHORIZED } from "./socket-operations";

export { WS_UNAUTHORIZED };

export interface WebSocketOptions {
  schema: GraphQLSchema;
  services: Services;
  pipeline: RequestPipeline;
  logger: Logger;
  /** The same depth, alias, directive and token limits as HTTP. */
  limits: QueryLimits;
  /** Express's compiled TRUST_PROXY: the upgrade request's client address is read as HTTP reads it. */
  trustProxy: TrustProxy;
  /** WS_MAX_SOCKETS_PER_SESSION and WS_MAX_SUBSCRIPTIONS_PER_SOCKET: what one session may hold open. */
  caps: Config["webSocket"];
  /** Metrics: refused connections, running subscriptions. */
  observer?: WebSocketObserver;
}

type Extra = SocketState & { request: IncomingMessage; principal?: Principal } & Record<PropertyKey, unknown>;

export const WS_FORBIDDEN = CloseCode.Forbidden; // 4403
/** "Try again later": the database is away, not a bug in this server (1011). */
export const WS_TRY_AGAIN_LATER = 1013;
/** HTTP's 429 at `connection_init` (an address locked for token guessing): the reason says when to retry. */
export const WS_RATE_LIMITED = 4429;

/**
 * The graphql-ws adapter of the request pipeline: authenticate at connect (4401 for a missing or
 * bad token, 4403 for an API key, which may never subscribe, 1013 while the database is away),
 * then each operation is admitted, checked, formatted and logged, metered and counted exactly as
 * an HTTP request is (see SocketOperations).
 */
export function attachWebSocket(wsServer: WebSocketServer, options: WebSocketOptions): { dispose(): Promise<void> } {
  const { schema, services, pipeline, logger, observer } = options;
  const sessions = new SessionWatch((ids) => services.members.openSessionsIn(ids), services.clock, logger);
  const operations = new SocketOperations(schema, services, pipeline, options.limits, options.caps.maxOperationsPerSocket);
  // Before graphql-ws's own listener: each message it writes has spliced data's text put in (see spliceReplacer), as it is sent.
  wsServer.on("connection", (socket) => {
    const send = socket.send.bind(socket) as (data: unknown, cb?: (error?: Error) => void) => void;
    socket.send = ((data: unknown, cb?: (error?: Error) => void) =>
      send(typeof data === "string" ? spliceInto(data) : data, cb)) as typeof socket.send;
  });
  const server = useServer<Record<string, unknown>, Extra>(
    {
      schema,
      jsonMessageReplacer: spliceReplacer,
      execute: operations.execute,
      onConnect: async (ctx) => {
        const header = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        const meta = requestMeta(ctx.extra.request, options.trustProxy);
        const request = pipeline.start("ws", meta, { operationType: "subscription" });
        const refuse = (error: unknown) => {
          const formatted = pipeline.format(error);
          pipeline.finish(request, [formatted]);
          const [code, reason] = closeFor(formatted);
          observer?.connectionRefused(code);
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
        // Checked and counted with no await between, so simultaneous connections cannot all slip under the cap.
        const cap = options.caps.maxSocketsPerSession;
        if (sessions.socketsOf(principal.sessionId) >= cap)
          return refuse(overLimit(`Too many sockets for this session: at most ${cap}`, "SOCKETS_PER_SESSION"));
        Object.assign(ctx.extra, { principal, authorization: header, ip: meta.ip });
        sessions.add(ctx.extra.socket, principal);
        return true;
      },
      onClose: (ctx) => {
        sessions.remove(ctx.extra.socket);
        observer?.closed(ctx);
      },
      // ctx.subscriptions holds this socket's open operations, this one included.
      onSubscribe: (ctx, id, payload) => operations.subscribe(ctx.extra, id, payload, Object.keys(ctx.subscriptions).length),
      onError: (ctx, id, _payload, errors) => operations.error(ctx.extra, id, errors),
      onOperation: (ctx, id, _payload, _args, result) => {
        if (operations.started(ctx.extra, id, result)) observer?.subscriptionStarted(ctx, id);
      },
      onNext: (ctx, id, _payload, _args, result) => operations.next(ctx.extra, id, result),
      onComplete: (ctx, id) => {
        operations.completed(ctx.extra, id);
        observer?.completed(ctx, id);
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
      return [
        WS_UNAUTHORIZED,
        error.extensions?.reason === "MISSING" ? "Unauthorized: missing token" : `Unauthorized: ${String(error.extensions?.reason)}`,
      ];
    case ErrorCode.FORBIDDEN:
      return [WS_FORBIDDEN, "Forbidden: API keys cannot subscribe"];
    case ErrorCode.SERVICE_UNAVAILABLE:
      return [WS_TRY_AGAIN_LATER, "Service unavailable"];
    case ErrorCode.RATE_LIMITED:
      if (error.extensions?.retryAfter === undefined) return [WS_RATE_LIMITED, error.message];
      return [WS_RATE_LIMITED, `Rate limited: retry after ${String(error.extensions?.retryAfter)} s`];
    default:
      return [CloseCode.InternalServerError, "Internal server error"];
  }
}
