import { randomUUID } from "node:crypto";
import { Pool, QueryResult, QueryResultRow } from "pg";
import type { DataSource } from "typeorm";

/**
 * A statement run by name on TypeORM's pg pool, so each connection parses and plans it once. The name
 * is cleared (and the statement runs unnamed from then on) when a session refuses it: one shared
 * with another process that prepared the same name (42P05), or that lost it (26000).
 */
export interface PreparedStatement {
  name?: string | null;
  readonly sql: string;
}

const PREPARED_STATEMENT_TROUBLE = new Set(["42P05", "26000"]);

/** Distinguishes this process's statement names from another's on a session they share (a pooler, one embedded database). */
const PROCESS_TOKEN = randomUUID().slice(0, 8);
let named = 0;

/** A statement name no other statement of this process, and no other process, uses. */
export function statementName(label: string): string {
  return `grantql_${label}_${PROCESS_TOKEN}_${++named}`;
}

/** TypeORM's pg pool behind `db`: the connections requests use. */
function requestPool(db: DataSource): Pool {
  return (db.driver as unknown as { master: Pool }).master;
}

/**
 * A pool of its own, of one connection, to the database behind `db` with the same settings (address, timeouts,
 * application name): background work on it never takes a connection from requests, nor waits behind them for one.
 * The caller ends it. A connection that breaks while idle is reported to `onError` and replaced on next use.
 */
export function dedicatedPool(db: DataSource, onError: (error: Error) => void): Pool {
  const pool = new Pool({ ...requestPool(db).options, max: 1 });
  pool.on("error", onError);
  return pool;
}

/**
 * Runs `statement` with `values` on the pool behind `db` (or on `pool`), logged by TypeORM's logger as every
 * other statement is.
 */
export async function runPrepared<R extends QueryResultRow>(
  db: DataSource,
  statement: PreparedStatement,
  values: unknown[],
  pool = requestPool(db),
): Promise<QueryResult<R>> {
  db.logger.logQuery(statement.sql, values);
  if (!statement.name) return pool.query<R>({ text: statement.sql, values });
  try {
    return await pool.query<R>({ name: statement.name, text: statement.sql, values });
  } catch (error) {
    if (!PREPARED_STATEMENT_TROUBLE.has((error as { code?: string }).code ?? "")) throw error;
    statement.name = null;
    return pool.query<R>({ text: statement.sql, values });
  }
}
