import { DataSource, Migration, MigrationExecutor } from "typeorm";
import { createDataSource } from "../../ormconfig";
import type { Config } from "../config";
import { redactUrl } from "../config";
import type { Logger } from "../logger";
import { startEmbeddedDatabase } from "./embedded";

export interface Database {
  dataSource: DataSource;
  embedded: boolean;
  close(): Promise<void>;
}

/**
 * DATABASE_URL → that PostgreSQL; unset → the embedded PostgreSQL under DATA_DIR (started, or joined
 * when another process runs it). Either way the pending migrations run before the server takes a request.
 */
export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  const embedded = config.databaseUrl ? null : await startEmbeddedDatabase(config.dataDir);
  const url = config.databaseUrl ?? embedded!.url;
  const dataSource = createDataSource({ url, poolMax: config.dbPoolMax });
  try {
    await dataSource.initialize();
    const applied = await migrate(dataSource);
    logger.info(
      { database: embedded ? `embedded (${config.dataDir})` : redactUrl(url), migrationsApplied: applied.map((m) => m.name) },
      "database ready",
    );
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
    throw error;
  }
  return {
    dataSource,
    embedded: !!embedded,
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await embedded?.stop();
    },
  };
}

/** Any constant shared by every grantql process; the advisory lock it names serialises migrations. */
const MIGRATION_LOCK = 7_316_201;

/**
 * Runs the pending migrations while holding an advisory lock, so processes starting together on
 * one database (several instances, or a server and the CLI) apply each migration once, not race.
 * The lock and the migrations share one connection, which works with a pool of one.
 */
async function migrate(dataSource: DataSource): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = "each";
    return await executor.executePendingMigrations();
  } finally {
    await runner.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}
