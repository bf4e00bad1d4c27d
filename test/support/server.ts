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
  // limits are raised here; the throttles' own tests set theirs. Fan-out tests open dozens of
  // sockets of one session, so its socket cap is raised too; socket-caps.test.ts sets its own.
  const config = loadConfig({
    SCRYPT_COST: "12",
    LOG_LEVEL: "debug",
    DB_POOL_MAX: "4",
    SIGNIN_IP_LOCK_AFTER: "100000",
    TOKEN_GUESS_LIMIT: "100000",
    WS_MAX_SOCKETS_PER_SESSION: "1000",
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

/** Per server, how many subscription streams it started since `startsOf` first looked. */
const started = new WeakMap<TestServer, { count: number }>();

/**
 * Subscription streams the server has started: its running-subscriptions gauge's increments, which
 * only a start makes (from the first call on). Unlike the gauge's level this only grows: a stream
 * ending meanwhile elsewhere on the server (a session the watch expired, a client gone) cannot hide
 * a start.
 */
function startsOf(server: TestServer): { count: number } {
  const known = started.get(server);
  if (known) return known;
  const starts = { count: 0 };
  const gauge = server.app.metrics.subscriptions;
  const inc = gauge.inc.bind(gauge);
  gauge.inc = ((...args: Parameters<typeof inc>) => {
    starts.count += 1;
    return inc(...args);
  }) as typeof gauge.inc;
  started.set(server, starts);
  return starts;
}

/**
 * Runs `open`, which starts one subscription, and returns what it returned once the server runs
 * that subscription's stream (it started one more): a stream listens from that turn on, and no
 * protocol message says so for one that has no first message. Throws past `deadlineMs`.
 */
export async function whenRunning<T>(server: TestServer, open: () => T, deadlineMs = 5000): Promise<T> {
  const starts = startsOf(server);
  const before = starts.count;
  const opened = open();
  const count = await eventually(
    async () => starts.count,
    (n) => n > before,
    deadlineMs,
  );
  if (count <= before) throw new Error(`the subscription's stream was not running within ${deadlineMs} ms`);
  return opened;
}
