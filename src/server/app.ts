import { createServer, Server } from "node:http";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import express, { NextFunction, Request, Response } from "express";
import { GraphQLSchema } from "graphql";
import { WebSocketServer } from "ws";
import { authorize } from "../auth/authorize";
import { OperationAnalyzer } from "../auth/operation-analysis";
import { consoleRoutes } from "../console/console-routes";
import { PermissionMap } from "../auth/permission-map";
import type { Config } from "../config";
import { corsMiddleware } from "./guards/cors";
import { BODY_LIMIT_BYTES, bodyError, graphqlHttp, routeRequests } from "./graphql-http";
import { httpSubscriptionGuardPlugin } from "./guards/http-subscription-guard";
import { documentCheck } from "./guards/document-check";
import { QueryLimits, queryLimits } from "./guards/query-limits";
import { ResponseSizeBound } from "./guards/response-size";
import { ideRoutes } from "../ide/ide-routes";
import { leakRoutes } from "../leaks/leak-routes";
import { Metrics } from "../metrics/metrics";
import { metricsListener } from "./metrics-listener";
import { metricsHandler } from "../metrics/metrics-server";
import { webSocketObserver } from "../metrics/websocket-observer";
import type { Logger } from "../logger";
import { closeServices, type Services } from "../services";
import { RequestContext } from "./context";
import { createErrorFormatter, formatThrown } from "./format-error";
import { httpContext, TrustProxy } from "./http-context";
import { meteringListener } from "./metering-listener";
import { OperationChecks } from "./operation-checks";
import { pipelinePlugin } from "./pipeline-plugin";
import { requestLogListener } from "./request-log-listener";
import { OutcomeListener, productionSteps, RequestPipeline, RequestSteps } from "./request-pipeline";
import { attachWebSocket } from "./websocket";

export interface AppOptions {
  config: Config;
  schema: GraphQLSchema;
  services: Services;
  logger: Logger;
  /**
   * Code-level composition for the benchmark's own entry point (`bench/server.ts`), which swaps
   * out steps to measure what they cost. The shipped server (`src/main.ts`) never passes these,
   * and nothing in the environment can.
   */
  composition?: { steps?: Partial<RequestSteps>; metering?: boolean };
}

export interface App {
  httpServer: Server;
  listen(port: number, host?: string): Promise<number>;
  /** Stops accepting, drains HTTP and WebSocket, and resolves when both are closed. */
  stop(): Promise<void>;
  /** This server's Prometheus registry, also for a separate METRICS_PORT listener. */
  metrics: Metrics;
}

/** Express + Apollo on /graphql, graphql-ws on the same path and port, and the health endpoints. */
export async function createApp(options: AppOptions): Promise<App> {
  const { config, schema, services, logger } = options;
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("trust proxy", config.trustProxy);
  // What `req.ip` uses; the socket's upgrade request is read with the same function.
  const trustProxy = app.get("trust proxy fn") as TrustProxy;
  const httpServer = createServer();
  const development = config.development;
  // One set of rules for both transports: INTROSPECTION=false and hidden hints reach the socket too.
  const limits = queryLimits({ development, introspection: config.introspection });
  const formatError = createErrorFormatter(logger, development);
  const wsServer = new WebSocketServer({ server: httpServer, path: "/graphql", maxPayload: BODY_LIMIT_BYTES });
  const metrics = new Metrics({
    db: services.db,
    readPool: services.readPool,
    usageWriterPool: services.usageWriterPool,
    usage: services.usage,
    bus: services.bus,
    poolMax: config.dbPoolMax,
  });
  metrics.watch(wsServer);
  const pipeline = createPipeline(options, metrics, limits, (error) => formatThrown(formatError, error));
  const ws = attachWebSocket(wsServer, {
    schema,
    services,
    pipeline,
    logger,
    limits,
    trustProxy,
    caps: config.webSocket,
    observer: webSocketObserver(metrics),
  });

  const apollo = new ApolloServer<RequestContext>({
    schema,
    // INTROSPECTION=false is one of `limits.validationRules`, shared with the socket (Apollo's option covers HTTP only).
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // Depth, aliases, directives and tokens are refused before execution (docs/API.md, "Limits"); cost in the pipeline.
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    hideSchemaDetailsFromClientErrors: limits.hideSchemaDetails,
    // One operation per request: a batch would multiply every limit above by its length.
    allowBatchedHttpRequests: false,
    // Off: Apollo's own APQ cache would register documents from requests. Persisted ids are the
    // workspace's trusted operations, looked up by the pipeline, which hands Apollo their text.
    persistedQueries: false,
    // main.ts owns the signals: it drains, closes the database, and only then exits.
    stopOnTerminationSignals: false,
    // Internal messages are masked unless NODE_ENV=development.
    formatError,
    // The answer's text as the response size bound measured it (pipelinePlugin), written once.
    stringifyResult: pipeline.responses.stringify,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await ws.dispose();
            },
          };
        },
      },
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      httpSubscriptionGuardPlugin(),
      pipelinePlugin(pipeline),
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
    res.status(ready ? 200 : 503).json({
      status: ready ? "ready" : "unavailable",
      database: database ? "up" : "down",
      usage,
      usageBufferDepth: services.usage.recorder.stats().bufferDepth,
    });
  });
  if (config.metricsPublic) app.get("/metrics", metricsHandler(metrics));
  app.use(leakRoutes(services.leaks, logger));
  // The endpoint itself: CORS first inside it (a browser's preflight is answered before anything else), then Apollo.
  // Without CORS_ORIGINS it would only pass every request on, so it is not run at all.
  const graphql = graphqlHttp(
    apollo,
    httpContext(pipeline, services, trustProxy),
    logger,
    config.corsOrigins.length > 0 ? corsMiddleware(config.corsOrigins) : undefined,
  );
  // Before the endpoint: a browser asking for HTML on GET /graphql gets the IDE; everything else falls through.
  // Its routes answer only GET and HEAD, so no other request walks its router.
  const ide = ideRoutes(logger);
  app.use((req, res, next) => (req.method === "GET" || req.method === "HEAD" ? ide(req, res, next) : next()));
  // Mounted on its own path: no /graphql request passes through it.
  app.use("/console", consoleRoutes(logger));
  app.use("/graphql", (req, res) => void graphql(req, res));
  app.use(bodyErrorHandler(logger));
  // POSTs to /graphql (nearly every request) skip express: its router and body parser cost more than the request.
  httpServer.on("request", routeRequests(graphql, app));

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
      metrics.close();
      await closeServices(services);
    },
    metrics,
  };
}

/** The one request pipeline of this server: production steps unless the benchmark composed others. */
function createPipeline(options: AppOptions, metrics: Metrics, limits: QueryLimits, format: RequestPipeline["format"]): RequestPipeline {
  const { schema, services, logger, composition } = options;
  const steps = { ...productionSteps(services, authorize), ...composition?.steps };
  const checks = new OperationChecks(schema, new OperationAnalyzer(new PermissionMap(schema)), limits.hideSchemaDetails);
  const listeners: OutcomeListener[] = [requestLogListener(logger), metricsListener(metrics)];
  if (composition?.metering !== false) listeners.push(meteringListener(() => services.usage.recorder));
  const responses = new ResponseSizeBound(options.config.responseMaxBytes);
  return new RequestPipeline(steps, checks, format, listeners, responses, documentCheck(schema, limits));
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

/** Failures in express's routes (a body too large, not JSON) answer in GraphQL's error shape instead of an HTML page. */
function bodyErrorHandler(logger: Logger) {
  return (error: { status?: number }, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const answer = bodyError(error);
    if (answer.status === 500) logger.error({ err: error }, "unhandled error in the HTTP layer");
    res.status(answer.status).json(answer.body);
  };
}
