import { Pool, types } from "pg";
import { GENERIC_PLANS } from "../../src/db/prepared-query";
import { latencyHistogram, LoadResult, localLoadResult } from "./load";
import type { LocalSide } from "./peer-rounds";
import type { ExecutedStatement } from "./pg-counting-proxy";

/** Every column as PostgreSQL sent it: the ceiling reads rows as text and parses nothing, not even the JSON. */
const AS_TEXT = { getTypeParser: () => (value: string) => value } as unknown as typeof types;

/** What `statementLoad` returns: the side, the rows of one run (to check them), and the pool to end. */
export interface StatementLoad extends LocalSide {
  /** Runs the statements once and returns each one's rows, as text. */
  once(): Promise<unknown[][]>;
  close(): Promise<void>;
}

/**
 * The database's ceiling for a request: the statements grantql sent for it (captured on the wire by
 * `PgCountingProxy`, with their parameters as bound), run in turn from a bare `pg` pool of `poolSize` connections in
 * this process, each named as grantql names it (parsed and planned once per connection, with its generic plan as the
 * server's read connections run it), rows read as text. One
 * operation is the request's statements in order; `run` keeps `connections` callers at it for `seconds`.
 */
export function statementLoad(
  name: string,
  databaseUrl: string,
  statements: readonly ExecutedStatement[],
  poolSize: number,
): StatementLoad {
  if (statements.length === 0) throw new Error(`${name}: no statement to run`);
  const pool = new Pool({ connectionString: databaseUrl, max: poolSize, types: AS_TEXT, options: GENERIC_PLANS });
  const queries = statements.map((s, i) => ({ ...(s.name ? { name: `bench_ceiling_${i}` } : {}), text: s.text, values: s.values }));
  const operation = async () => {
    const rows: unknown[][] = [];
    for (const query of queries) rows.push((await pool.query(query)).rows);
    return rows;
  };
  return {
    name,
    once: operation,
    async run(seconds: number, connections: number): Promise<LoadResult> {
      const micros = latencyHistogram();
      const end = performance.now() + seconds * 1000;
      let completed = 0;
      const caller = async () => {
        while (performance.now() < end) {
          const started = performance.now();
          await operation();
          micros.recordValue(Math.max(1, Math.round((performance.now() - started) * 1000)));
          completed += 1;
        }
      };
      const started = performance.now();
      await Promise.all(Array.from({ length: connections }, caller));
      return localLoadResult(micros, completed, (performance.now() - started) / 1000);
    },
    close: () => pool.end(),
  };
}
