import "reflect-metadata";
import { systemClock } from "./common/clock";
import { ConfigError, loadConfig } from "./config";
import { openDatabase } from "./db/database";
import { EmbeddedDatabaseError } from "./db/embedded";
import { createLogger, flushLogger } from "./logger";
import { buildAppSchema } from "./schema/build-schema";
import { startMetricsServer } from "./metrics/metrics-server";
import { createApp } from "./server/app";
import { createServices } from "./services";

/** Of the last part of SHUTDOWN_TIMEOUT (see giveUp), what the log gets to drain; the usage flush has the rest. */
const LOG_SHARE_MS = 250;
/** Kept free before the deadline for process.exit and its handlers. */
const EXIT_MARGIN_MS = 50;

/** Start-up only: read config, open the database, listen, and shut down cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`grantql: configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  // One failed request must never take the process down: log what escaped and keep serving.
  process.on("unhandledRejection", (reason) => logger.error({ err: reason }, "unhandled promise rejection"));
  let database;
  try {
    database = await openDatabase(config, logger);
  } catch (error) {
    if (error instanceof EmbeddedDatabaseError) {
      console.error(`grantql: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const services = createServices(database.dataSource, config, systemClock, logger);
  const app = await createApp({ config, schema: await buildAppSchema(), services, logger });
  const port = await app.listen(config.port, config.host);
  // Prometheus on its own port keeps operational figures off the public listener.
  const metricsServer =
    config.metricsPort === undefined ? undefined : await startMetricsServer(app.metrics, config.metricsPort, config.host);
  if (metricsServer) logger.info({ port: metricsServer.port }, `metrics on http://localhost:${metricsServer.port}/metrics`);
  logger.info({ port, host: config.host, embedded: database.embedded }, `grantql listening on http://localhost:${port}/graphql`);

  let stopping = false;
  const timeoutSeconds = config.shutdownTimeoutSeconds;
  let deadline = Number.POSITIVE_INFINITY;
  /** What is left of SHUTDOWN_TIMEOUT for the log, so a log pipe that does not drain cannot carry the exit past it. */
  const logFlushMs = () => Math.max(0, Math.min(1000, deadline - performance.now() - EXIT_MARGIN_MS));
  // Past the deadline nothing more is awaited: the usage still buffered gets the last part of it (less the log's
  // share), then the process exits 1.
  const giveUp = async (flushMs: number) => {
    const recorder = services.usage.recorder;
    const usageMs = Math.max(0, flushMs - LOG_SHARE_MS);
    await Promise.race([recorder.flushAll(usageMs), new Promise((resolve) => setTimeout(resolve, usageMs))]);
    const lost = recorder.stats().bufferDepth;
    logger.error(
      { timeoutSeconds, usageEventsLost: lost },
      `shutdown did not finish within SHUTDOWN_TIMEOUT (${timeoutSeconds} s); wrote the usage it could (${lost} events lost); exiting 1`,
    );
    await flushLogger(logger, logFlushMs());
    process.exit(1);
  };
  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, `already shutting down; the process exits within SHUTDOWN_TIMEOUT (${timeoutSeconds} s)`);
      return;
    }
    stopping = true;
    deadline = performance.now() + timeoutSeconds * 1000;
    logger.info({ signal, timeoutSeconds }, "shutting down: draining HTTP and WebSocket connections");
    const flushMs = Math.min(5000, (timeoutSeconds * 1000) / 5);
    setTimeout(() => void giveUp(flushMs), timeoutSeconds * 1000 - flushMs);
    // Whatever giveUp still waits on, the deadline holds.
    setTimeout(() => process.exit(1), timeoutSeconds * 1000);
    try {
      await app.stop();
      await metricsServer?.close();
      logger.info("HTTP and WebSocket drained");
      await database.close();
      logger.info("stopped cleanly");
      await flushLogger(logger, logFlushMs());
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, "error during shutdown");
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((error) => {
  console.error("grantql: failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
