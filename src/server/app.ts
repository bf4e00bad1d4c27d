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
import { corsMiddleware } from "../hardening/cors";
import { httpSubscriptionGuardPlugin } from "../hardening/http-subscription-guard";
import { inputTextGuardPlugin } from "../hardening/input-text-guard";
import { queryLimits } from "../hardening/query-limits";
import { ideRoutes } from "../ide/ide-routes";
import { leakRoutes } from "../leaks/leak-routes";
import { Metrics } from "../metrics/metrics";
import { metricsPlugin } from "../metrics/metrics-plugin";
import { metricsHandler } from "../metrics/metrics-server";
import { webSocketObserver } from "../metrics/websocket-observer";
import type { BenchFeature } from "../config";
import type { Logger } from "../logger";
import type { Services } from "../services";
import { authorizationPlugin } from "./authorization-plugin";
import { GraphQLContext } from "./context";
import { createErrorFormatter } from "./format-error";
import { benchmarkContext, httpContext, requestMeta } from "./http-context";
import { meteringPlugin } from "./metering-plugin";
import { logRefusedRequest, requestLogPlugin } from "./request-log-plugin";
import { attachWebSocket } from "./websocket";

export interface AppOptions {
  schema: GraphQLSchema;
  services: Services;
  logger: Logger;
  introspection: boolean;
  exposeInternals: boolean;
  /** NODE_ENV=development shows field suggestions; off (the default) hides them. */
  development?: boolean;
  /** Browser origins allowed by CORS; none by default. */
  corsOrigins?: readonly string[];
  /** Express `trust proxy`: which X-Forwarded-For hops to believe for the client address. */
  trustProxy?: boolean | number | string;
  /** METRICS_PUBLIC: also serve `GET /metrics` on this port (off by default; see METRICS_PORT). */
  metricsPublic?: boolean;
  /** Benchmark-only: request-path features switched off (BENCH_DISABLE); see `bench/`. */
  benchDisable?: ReadonlySet<BenchFeature>;
  /** DB_POOL_MAX, reported beside the pool's use. */
  poolMax?: number;
}

export interface App {
  httpServer: Server;
  listen(port: number, host?: string): Promise<number>;
  /** Stops accepting, drains HTTP and WebSocket, and resolves when both are closed. */
  stop(): Promise<void>;
  /** This server's Prometheus registry, also for a separate METRICS_PORT listener. */
  metrics: Metrics;
}

const BODY_LIMIT = "1mb";

/** Express + Apollo on /graphql, graphql-ws on the same path and port, and the health endpoints. */
export async function createApp(options: AppOptions): Promise<App> {
  const { schema, services, logger } = options;
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("trust proxy", options.trustProxy ?? false);
  const httpServer = createServer(app);
  const analyzer = new OperationAnalyzer(new PermissionMap(schema));
  const limits = queryLimits();
  const development = options.development ?? false;
  const bench = options.benchDisable ?? new Set<BenchFeature>();
  if (bench.size > 0) logger.warn({ disabled: [...bench] }, "BENCH_DISABLE is set: a benchmark-only server with request-path features off; never use it in production");
  const contextOf = bench.has("auth") ? benchmarkContext(services) : null;
  const wsServer = new WebSocketServer({ server: httpServer, path: "/graphql", maxPayload: 1024 * 1024 });
  const metrics = new Metrics({ db: services.db, usage: services.usage, poolMax: options.poolMax });
  metrics.watch(wsServer);
  const ws = attachWebSocket(wsServer, { schema, services, analyzer, logger, limits, development, observer: webSocketObserver(metrics) });

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: options.introspection,
    includeStacktraceInErrorResponses: false,
    // Depth, aliases, cost, directives and tokens are refused before execution (CONTRACT.md 6).
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    hideSchemaDetailsFromClientErrors: !development,
    // One operation per request: a batch would multiply every limit above by its length.
    allowBatchedHttpRequests: false,
    // No client uses automatic persisted queries; off, nobody can fill a server-side query cache.
    persistedQueries: false,
    // main.ts owns the signals: it drains, closes the database, and only then exits.
    stopOnTerminationSignals: false,
    formatError: createErrorFormatter(logger, options.exposeInternals),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      { async serverWillStart() { return { async drainServer() { await ws.dispose(); } }; } },
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      httpSubscriptionGuardPlugin(),
      ...(bench.has("permissions") ? [] : [authorizationPlugin(analyzer)]),
      inputTextGuardPlugin(),
      requestLogPlugin(logger),
      metricsPlugin(metrics),
      ...(bench.has("metering") ? [] : [meteringPlugin(() => services.usage.recorder)]),
    ],
  });
  await apollo.start();

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    const database = await databaseAnswers(services);
    // A usage buffer near its bound means the database cannot keep up: take this instance out of rotation.
    const usage = services.usage.recorder.overloaded() ? "overloaded" : "ok";
    const ready = database && usage === "ok";
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "unavailable", database: database ? "up" : "down", usage, usageBufferDepth: services.usage.recorder.stats().bufferDepth });
  });
  if (options.metricsPublic) app.get("/metrics", metricsHandler(metrics));
  app.use(leakRoutes(services.leaks, logger));
  // CORS first: it must answer a browser's preflight before any route claims OPTIONS /graphql.
  app.use("/graphql", corsMiddleware(options.corsOrigins ?? []));
  // Before Apollo: a browser asking for HTML on GET /graphql gets the IDE; everything else falls through.
  app.use(ideRoutes(logger));
  app.use(
    "/graphql",
    express.json({ limit: BODY_LIMIT }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const started = performance.now();
        // One id per request, in the logs and in the response, refused requests included.
        const meta = requestMeta(req);
        res.setHeader("x-request-id", meta.requestId);
        try {
          return await (contextOf ? contextOf(req, meta) : httpContext(req, services, meta, res));
        } catch (error) {
          logRefusedRequest(logger, meta, error, started);
          throw error;
        }
      },
    }),
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
    // Apollo drains HTTP and WebSocket first, so every metered request is buffered before the final flush.
    stop: async () => {
      await apollo.stop();
      await services.alerts.close();
      await services.usage.close();
      await services.rateLimiter.close();
      await services.signInThrottle.close();
    },
    metrics,
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
