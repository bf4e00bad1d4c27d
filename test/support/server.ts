import "reflect-metadata";
import { Writable } from "node:stream";
import { DataSource, Logger as TypeOrmLogger } from "typeorm";
import { createDataSource } from "../../ormconfig";
import { ManualClock } from "../../src/common/clock";
import { Config, loadConfig } from "../../src/config";
import { createLogger } from "../../src/logger";
import { buildAppSchema } from "../../src/schema/build-schema";
import { App, AppOptions, createApp } from "../../src/server/app";
import { createServices, Services } from "../../src/services";
import { eventually } from "./eventually";

export interface TestServer {
  url: string;
  wsUrl: string;
  port: number;
  clock: ManualClock;
  services: Services;
  dataSource: DataSource;
  config: Config;
  app: App;
  /** Everything the server logged so far, as written (JSON lines). */
  logs(): string;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  env?: Record<string, string>;
  clock?: ManualClock;
  /** Told the SQL of every statement the server runs, e.g. to prove a query costs a constant number of them. */
  queryCounter?: (sql: string) => void;
  /** Steps swapped into the app, as only the benchmark's entry point does (given the services). */
  composition?: (services: Services) => AppOptions["composition"];
}

/** A real server on a free port against the test database, with a clock the test controls. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  // Every test client signs in (and presents made-up tokens) from 127.0.0.1, so the per-address
  // limits are raised here; the throttles' own tests set theirs.
  const config = loadConfig({
    SCRYPT_COST: "12",
    LOG_LEVEL: "debug",
    DB_POOL_MAX: "4",
    SIGNIN_IP_LOCK_AFTER: "100000",
    TOKEN_GUESS_LIMIT: "100000",
    ...process.env,
    PORT: "0",
    ...options.env,
  });
  const clock = options.clock ?? new ManualClock(new Date());
  const chunks: string[] = [];
  const logger = createLogger(
    config.logLevel,
    new Writable({
      write(chunk, _enc, done) {
        chunks.push(String(chunk));
        done();
      },
    }),
  );
  const dataSource = createDataSource({ url: config.databaseUrl!, poolMax: config.dbPoolMax, logger: queryLogger(options.queryCounter) });
  await dataSource.initialize();
  const services = createServices(dataSource, config, clock, logger);
  const app = await createApp({ config, schema: await schemaOnce(), services, logger, composition: options.composition?.(services) });
  const port = await app.listen(0, "127.0.0.1");
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    port,
    clock,
    services,
    dataSource,
    config,
    app,
    logs: () => chunks.join(""),
    async stop() {
      await app.stop();
      await dataSource.destroy();
    },
  };
}

let schema: ReturnType<typeof buildAppSchema> | undefined;
/** type-graphql keeps its metadata per process; one schema serves every server in a test file. */
function schemaOnce() {
  schema ??= buildAppSchema();
  return schema;
}

/** A TypeORM logger that only reports statements, or none when nobody listens. */
function queryLogger(counter: ((sql: string) => void) | undefined): TypeOrmLogger | undefined {
  if (!counter) return undefined;
  const ignore = () => undefined;
  return {
    logQuery: (sql) => counter(sql),
    logQueryError: ignore,
    logQuerySlow: ignore,
    logSchemaBuild: ignore,
    logMigration: ignore,
    log: ignore,
  };
}

/**
 * Subscriptions whose stream the server runs now (its gauge): a subscription is listening once this
 * counts it, which no protocol message says.
 */
export async function runningSubscriptions(server: TestServer): Promise<number> {
  return (await server.app.metrics.subscriptions.get()).values[0]?.value ?? 0;
}

/**
 * Runs `open`, which starts one subscription, and returns what it returned once the server runs
 * that subscription's stream (its gauge counts one more): a stream listens from that turn on, and
 * no protocol message says so for one that has no first message. Throws past `deadlineMs`.
 */
export async function whenRunning<T>(server: TestServer, open: () => T, deadlineMs = 5000): Promise<T> {
  const before = await runningSubscriptions(server);
  const opened = open();
  const running = await eventually(
    () => runningSubscriptions(server),
    (n) => n > before,
    deadlineMs,
  );
  if (running <= before) throw new Error(`the subscription's stream was not running within ${deadlineMs} ms`);
  return opened;
}
