import { Summary } from "./stats";

export interface SeedResult {
  databaseUrl: string;
  workspaceId: string;
  adminToken: string;
  /** A key holding exactly calls:read, agents:read and contacts:read: what scenario 1's query needs. */
  keySecret: string;
  keyId: string;
  /** The same grants as `keySecret`, on a key no subscriber watches: scenario 5's side without updates. */
  unwatchedKeySecret: string;
  /** A key no load uses: scenario 4 gives it 30 days of history, which would otherwise change the loaded key's counters every minute. */
  historyKeyId: string;
}

export interface BenchContext {
  /** The server's maintenance database, where the run creates (and drops) its databases. */
  adminDatabaseUrl: string;
  databaseUrl: string;
  redisUrl: string;
  rounds: number;
  /** Whether BENCH_ROUNDS set `rounds`: if not, a scenario's `defaultRounds` wins. */
  roundsSet: boolean;
  durationSeconds: number;
  connections: number;
  seed: SeedResult;
  /** Figures measured so far in this run, for scenarios whose targets derive from another's. */
  figures: Figure[];
}

export interface Figure {
  scenario: string;
  name: string;
  unit: string;
  summary: Summary;
  target?: string;
  met?: boolean;
  /** What a missed target was found to cost, printed under the table. */
  note?: string;
  /** How it was measured: rounds × seconds. */
  run?: string;
}

export interface Scenario {
  id: string;
  title: string;
  /** Its rounds when `BENCH_ROUNDS` is not set (3 otherwise): the comparisons with PostGraphile take medians of 7. */
  defaultRounds?: number;
  /** Run only when named (`npm run bench -- 9`) or when `BENCH_LARGE=1`: the scale scenario's seeding takes minutes. */
  optIn?: boolean;
  run(ctx: BenchContext): Promise<Figure[]>;
}
