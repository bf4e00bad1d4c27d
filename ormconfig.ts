import "reflect-metadata";
import { DataSource, Logger as TypeOrmLogger } from "typeorm";
import { entities } from "./src/entities";
import { migrations } from "./src/migrations";

export interface DataSourceOptions {
  url: string;
  poolMax?: number;
  /** Abandon a connection attempt or a query after this long, so an unreachable database fails fast. */
  timeoutMs?: number;
  /** Sees every statement (TypeORM calls a custom logger's `logQuery` for each); tests count statements with it. */
  logger?: TypeOrmLogger;
}

/** The one DataSource: every entity, every migration, never `synchronize`. */
export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: "postgres",
    url: options.url,
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    uuidExtension: "pgcrypto",
    logging: false,
    ...(options.logger ? { logger: options.logger } : {}),
    extra: {
      max: options.poolMax ?? 10,
      connectionTimeoutMillis: options.timeoutMs ?? 5000,
      query_timeout: 30000,
      // The server ends a statement that runs too long, and keep-alive notices a peer that vanished
      // without closing (a partition).
      statement_timeout: 15000,
      keepAlive: true,
      application_name: "grantql",
    },
  });
}

/** For the TypeORM CLI (`npx typeorm -d dist/ormconfig.js migration:show`): the database in DATABASE_URL. */
export default createDataSource({ url: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres" });
