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
  // Past the deadline nothing more is awaited: the usage still buffered gets the last part of it, then the process exits 1.
  const giveUp = async (flushMs: number) => {
    const recorder = services.usage.recorder;
    await Promise.race([recorder.flushAll(flushMs), new Promise((resolve) => setTimeout(resolve, flushMs))]);
    const lost = recorder.stats().bufferDepth;
    logger.error(
      { timeoutSeconds, usageEventsLost: lost },
      `shutdown did not finish within SHUTDOWN_TIMEOUT (${timeoutSeconds} s); wrote the usage it could (${lost} events lost); exiting 1`,
    );
    await flushLogger(logger);
    process.exit(1);
  };
  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, `already shutting down; the process exits within SHUTDOWN_TIMEOUT (${timeoutSeconds} s)`);
      return;
    }
    stopping = true;
    logger.info({ signal, timeoutSeconds }, "shutting down: draining HTTP and WebSocket connections");
    const flushMs = Math.min(5000, (timeoutSeconds * 1000) / 5);
    setTimeout(() => void giveUp(flushMs), timeoutSeconds * 1000 - flushMs);
    try {
      await app.stop();
      await metricsServer?.close();
      logger.info("HTTP and WebSocket drained");
      await database.close();
      logger.info("stopped cleanly");
      await flushLogger(logger);
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
