import { DataSource } from "typeorm";
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
    const applied = await dataSource.runMigrations({ transaction: "each" });
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
