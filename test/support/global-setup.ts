import "reflect-metadata";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDataSource } from "../../ormconfig";
import { startEmbeddedDatabase } from "../../src/db/embedded";
import { ensureDatabase } from "./ensure-database";

/**
 * One database for the whole run: DATABASE_URL when set (CI gives a fresh one), else the embedded
 * PostgreSQL in a temporary directory, so `npm test` needs no database server. Migrations run once here.
 */
export default async function globalSetup(): Promise<void> {
  // Redis outlives a test run: a prefix of this run's own keeps throttles and rate windows from leaking between runs.
  process.env.REDIS_KEY_PREFIX = `grantql-test-${process.pid}-${Date.now()}:`;
  if (!process.env.DATABASE_URL) {
    const dir = mkdtempSync(join(tmpdir(), "grantql-test-"));
    const embedded = await startEmbeddedDatabase(dir);
    process.env.DATABASE_URL = embedded.url;
    (globalThis as { __embedded?: typeof embedded }).__embedded = embedded;
    (globalThis as { __embeddedDir?: string }).__embeddedDir = dir;
  } else {
    await ensureDatabase(process.env.DATABASE_URL);
  }
  const dataSource = createDataSource({ url: process.env.DATABASE_URL, poolMax: 1 });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: "each" });
  await dataSource.destroy();
}
