import { spawn } from "node:child_process";
import { resolve as resolvePath } from "node:path";
import { build, decodeFromCompressedBase64 } from "hdr-histogram-js";

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
  /** autocannon's own results behind this one (one per run merged), latency histograms whole. */
  runs: RawRun[];
}

export interface LoadOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections?: number;
  durationSeconds?: number;
}

/** autocannon's result before aggregation (`skipAggregateResult`), with its 2xx latencies in µs (`load-child.ts`). */
interface RawRun {
  latencyMicros: string;
  totalCompletedRequests: number;
  duration: number;
  non2xx: number;
  errors: number;
  [field: string]: unknown;
}

/**
 * autocannon in a separate process (`load-child.ts`), so the load generator never shares an event
 * loop with the server it measures.
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const run = {
    url: options.url,
    method: "POST",
    body: options.body,
    headers: { "content-type": "application/json", ...options.headers },
    connections: options.connections ?? 16,
    duration: options.durationSeconds ?? 10,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [resolvePath(__dirname, "load-child.js"), JSON.stringify(run)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err.slice(-500)}`));
      resolve(fromRuns([JSON.parse(out) as RawRun]));
    });
  });
}

/** Several loads of one server as one: requests per second over their summed time, percentiles of all their latencies together. */
export function mergeLoads(loads: readonly LoadResult[]): LoadResult {
  return fromRuns(loads.flatMap((load) => load.runs));
}

/** A latency histogram in µs, 1 µs to 10 min, to 0.1 %: the load process records into one, `fromRuns` adds them. */
export function latencyHistogram() {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
}

/** The runs' latency histograms added into one (exact, to 0.1 %), in milliseconds; counts and seconds summed. */
function fromRuns(runs: RawRun[]): LoadResult {
  const latency = latencyHistogram();
  for (const run of runs) latency.add(decodeFromCompressedBase64(run.latencyMicros));
  const ms = (percentile: number) => latency.getValueAtPercentile(percentile) / 1000;
  const sum = (field: "totalCompletedRequests" | "duration" | "non2xx" | "errors") => runs.reduce((n, run) => n + run[field], 0);
  return {
    requestsPerSecond: sum("totalCompletedRequests") / sum("duration"),
    p50: ms(50),
    p99: ms(99),
    total: sum("totalCompletedRequests"),
    non2xx: sum("non2xx"),
    errors: sum("errors"),
    runs,
  };
}

/**
 * Load each server takes before the measured rounds: long enough for the JIT, the heap and the
 * database's plan caches to settle on this 2-core machine (3 s left the first round of the side
 * with more code paths visibly slower).
 */
export const WARM_UP_SECONDS = 10;

/**
 * Each side of an interleaved comparison runs its round's seconds in this many slices, alternating
 * with the other side's (ABABAB…, BABABA… the next round): drift on the shared machine over a
 * round falls on both sides alike, and neither waits long enough for its pool to close connections.
 */
export const SLICES_PER_ROUND = 5;
