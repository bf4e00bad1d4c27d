import { createServer, Server } from "node:http";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { expressMiddleware } from "@as-integrations/express5";
import express, { NextFunction, Request, Response } from "express";
import { GraphQLSchema } from "graphql";
import { WebSocketServer } from "ws";
import { OperationAnalyzer } from "../auth/operation-analysis";
import { PermissionMap } from "../auth/permission-map";
import type { Logger } from "../logger";
import type { Services } from "../services";
import { authorizationPlugin } from "./authorization-plugin";
import { GraphQLContext } from "./context";
import { createErrorFormatter } from "./format-error";
import { httpContext } from "./http-context";
import { requestLogPlugin } from "./request-log-plugin";
import { attachWebSocket } from "./websocket";

export interface AppOptions {
  schema: GraphQLSchema;
  services: Services;
  logger: Logger;
  introspection: boolean;
  exposeInternals: boolean;
}

export interface App {
  httpServer: Server;
  listen(port: number, host?: string): Promise<number>;
  /** Stops accepting, drains HTTP and WebSocket, and resolves when both are closed. */
  stop(): Promise<void>;
}

const BODY_LIMIT = "1mb";

/** Express + Apollo on /graphql, graphql-ws on the same path and port, and the health endpoints. */
export async function createApp(options: AppOptions): Promise<App> {
  const { schema, services, logger } = options;
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  const httpServer = createServer(app);
  const analyzer = new OperationAnalyzer(new PermissionMap(schema));
  const wsServer = new WebSocketServer({ server: httpServer, path: "/graphql", maxPayload: 1024 * 1024 });
  const ws = attachWebSocket(wsServer, { schema, services, analyzer, logger });

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: options.introspection,
    includeStacktraceInErrorResponses: false,
    // main.ts owns the signals: it drains, closes the database, and only then exits.
    stopOnTerminationSignals: false,
    formatError: createErrorFormatter(logger, options.exposeInternals),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      { async serverWillStart() { return { async drainServer() { await ws.dispose(); } }; } },
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      authorizationPlugin(analyzer),
      requestLogPlugin(logger),
    ],
  });
  await apollo.start();

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    const ready = await databaseAnswers(services);
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "unavailable", database: ready ? "up" : "down" });
  });
  app.use(
    "/graphql",
    express.json({ limit: BODY_LIMIT }),
    expressMiddleware(apollo, { context: async ({ req }) => httpContext(req, services) }),
  );
  app.use(bodyErrorHandler(logger));

  return {
    httpServer,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => {
          httpServer.off("error", reject);
          const address = httpServer.address();
          resolve(typeof address === "object" && address ? address.port : port);
        });
      }),
    stop: () => apollo.stop(),
  };
}

async function databaseAnswers(services: Services): Promise<boolean> {
  try {
    await Promise.race([
      services.db.query("SELECT 1"),
      new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), 1500).unref()),
    ]);
    return true;
  } catch {
    return false;
  }
}

/** Body-parser failures (too large, not JSON) answer in GraphQL's error shape instead of an HTML page. */
function bodyErrorHandler(logger: Logger) {
  return (error: { status?: number; type?: string; message?: string }, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) logger.error({ err: error }, "unhandled error in the HTTP layer");
    const message =
      status === 413 ? "Request body is larger than 1 MiB" : status === 400 ? `Request body is not valid JSON` : status === 500 ? "Internal server error" : error.message ?? "Bad request";
    const code = status === 413 ? "PAYLOAD_TOO_LARGE" : status === 500 ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST";
    res.status(status).json({ errors: [{ message, extensions: { code } }] });
  };
}
