import { randomUUID } from "node:crypto";
import { Pool, PoolClient, PoolConfig, QueryResult, QueryResultRow } from "pg";
import type { DataSource } from "typeorm";

/**
 * A statement run by name on TypeORM's pg pool, so each connection parses and plans it once. Each connection keeps
 * at most PREPARED_PER_CONNECTION names prepared: the least recently used one is closed on that connection to make
 * room, and prepared again when it is next run there. The name is cleared (and the statement runs unnamed from then
 * on) when a session refuses it: one shared with another process that prepared the same name (42P05), or that lost
 * it (26000).
 */
export interface PreparedStatement {
  name?: string | null;
  readonly sql: string;
}

/**
 * Named statements one connection keeps. A PostgreSQL session holds each one's parse tree (and, after a few runs, a
 * generic plan): a large read's took ~385 KB, so 500 of them made one session ~185 MB.
 */
export const PREPARED_PER_CONNECTION = 64;

/** What pg's connection tracks of the names it has parsed, and its protocol Close message. */
interface PgConnection {
  parsedStatements: Record<string, string>;
  close(message: { type: "S"; name: string }): void;
}

/** Per connection, its prepared names from least to most recently used (a Map iterates in insertion order). */
const preparedOn = new WeakMap<PgConnection, Map<string, true>>();
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
 * A pool of its own (one connection unless `max` says more) to the database behind `db` with the same settings
 * (address, timeouts, application name): work on it never takes a connection from TypeORM's pool, nor waits
 * behind it for one. With `genericPlans`, its sessions run every prepared statement with its generic plan
 * (`plan_cache_mode = force_generic_plan`): planned once per connection for every workspace and value, as the read
 * path's statements are written to be (docs/ARCHITECTURE.md, "Cache"). Left to choose, PostgreSQL planned a read
 * anew at every run for a large workspace, whose own estimate looked cheaper: ~1.5 ms of its CPU per request.
 * The caller ends it. A connection that breaks while idle is reported to `onError` and replaced on next use.
 */
export function dedicatedPool(
  db: DataSource,
  onError: (error: Error) => void,
  options: { max?: number; genericPlans?: boolean } = {},
): Pool {
  const base = requestPool(db).options as PoolConfig;
  const pool = new Pool({ ...base, max: options.max ?? 1, ...(options.genericPlans ? withSetting(base, GENERIC_PLANS) : {}) });
  pool.on("error", onError);
  return pool;
}

/** The session option of the read path's connections: each prepared statement runs with its generic plan. */
export const GENERIC_PLANS = "-c plan_cache_mode=force_generic_plan";

/** `setting` added to the sessions' `options`: in the URL's own when it has one (pg reads the URL's over any other). */
function withSetting(base: PoolConfig, setting: string): PoolConfig {
  if (!base.connectionString) return { options: [base.options, setting].filter(Boolean).join(" ") };
  const url = new URL(base.connectionString);
  url.searchParams.set("options", [url.searchParams.get("options"), setting].filter(Boolean).join(" "));
  return { connectionString: url.toString() };
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
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    return await runNamed<R>(client, statement, values);
  } catch (error) {
    failure = error as Error; // as pool.query does: a connection that failed a statement is not reused
    throw error;
  } finally {
    client.release(failure);
  }
}

async function runNamed<R extends QueryResultRow>(client: PoolClient, statement: PreparedStatement, values: unknown[]) {
  const name = statement.name as string;
  const connection = (client as unknown as { connection: PgConnection }).connection;
  makeRoom(connection, name);
  try {
    return await client.query<R>({ name, text: statement.sql, values });
  } catch (error) {
    preparedOn.get(connection)?.delete(name);
    delete connection.parsedStatements[name];
    if (!PREPARED_STATEMENT_TROUBLE.has((error as { code?: string }).code ?? "")) throw error;
    statement.name = null;
    return client.query<R>({ text: statement.sql, values });
  }
}

/**
 * Marks `name` the most recently used on `connection` and, when that makes one name too many, closes the least
 * recently used one there. The Close message goes out just ahead of the statement's own messages, in the same
 * round trip; pg then forgets the name, so running it again prepares it again.
 */
function makeRoom(connection: PgConnection, name: string): void {
  let names = preparedOn.get(connection);
  if (!names) {
    names = new Map();
    preparedOn.set(connection, names);
  }
  if (names.delete(name)) {
    names.set(name, true);
    return;
  }
  names.set(name, true);
  if (names.size <= PREPARED_PER_CONNECTION) return;
  const oldest = names.keys().next().value as string;
  names.delete(oldest);
  delete connection.parsedStatements[oldest];
  connection.close({ type: "S", name: oldest });
}
