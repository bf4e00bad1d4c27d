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
  databaseUrl: string;
  redisUrl: string;
  rounds: number;
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
}

export interface Scenario {
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<Figure[]>;
}
