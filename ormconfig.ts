import "reflect-metadata";
import { DataSource } from "typeorm";
import { entities } from "./src/entities";
import { migrations } from "./src/migrations";

export interface DataSourceOptions {
  url: string;
  poolMax?: number;
  /** The embedded PGlite has no uuid-ossp and installs nothing; gen_random_uuid() comes from pgcrypto/core. */
  embedded?: boolean;
  /** Abandon a connection attempt or a query after this long, so an unreachable database fails fast. */
  timeoutMs?: number;
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
    installExtensions: !options.embedded,
    logging: false,
    extra: {
      max: options.poolMax ?? 10,
      connectionTimeoutMillis: options.timeoutMs ?? 5000,
      query_timeout: options.embedded ? undefined : 30000,
      application_name: "grantql",
    },
  });
}

/** For the TypeORM CLI (`npx typeorm -d dist/ormconfig.js migration:show`): the database in DATABASE_URL. */
export default createDataSource({ url: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres" });
