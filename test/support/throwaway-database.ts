import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { createDataSource } from "../../ormconfig";

export interface ThrowawayDatabase {
  name: string;
  url: string;
  /** A statement on the server's `postgres` database (ALTER DATABASE, pg_terminate_backend …). */
  admin(sql: string): Promise<unknown[]>;
  /** A statement inside the throwaway database itself. */
  query(sql: string): Promise<unknown[]>;
  drop(): Promise<void>;
}

/**
 * A database of its own, migrated, on the test run's server, for tests that break it on purpose
 * (refuse connections, rename a table); dropped with FORCE at the end.
 */
export async function createThrowawayDatabase(): Promise<ThrowawayDatabase> {
  const base = new URL(process.env.DATABASE_URL!);
  const name = `grantql_tmp_${randomBytes(6).toString("hex")}`;
  const adminUrl = Object.assign(new URL(base), { pathname: "/postgres" }).toString();
  const url = Object.assign(new URL(base), { pathname: `/${name}` }).toString();
  const run = async (connectionString: string, sql: string) => {
    const client = new Client({ connectionString });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };
  await run(adminUrl, `CREATE DATABASE ${name}`);
  const dataSource = createDataSource({ url, poolMax: 1 });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: "each" });
  await dataSource.destroy();
  return {
    name,
    url,
    admin: (sql) => run(adminUrl, sql),
    query: (sql) => run(url, sql),
    drop: () => run(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined),
  };
}
