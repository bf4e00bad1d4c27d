import { fork } from "node:child_process";
import { resolve as resolvePath } from "node:path";
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64 } from "hdr-histogram-js";

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
  /** Headers each request takes in turn on every connection (autocannon's `requests`), over `headers`: one load through several keys. */
  rotateHeaders?: Record<string, string>[];
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

/** What the generator's process is asked to run, and what it answers (`load-child.ts`). */
export interface LoadRequest {
  id: number;
  options: {
    url: string;
    method: "POST";
    body: string;
    headers: Record<string, string>;
    requests?: { headers: Record<string, string> }[];
    connections: number;
    duration: number;
  };
}
export type LoadReply = { id: number; result: Record<string, unknown> } | { id: number; error: string };

export interface LoadGenerator {
  /** One load of `durationSeconds` against one server; loads are run one at a time, in the order asked. */
  run(options: LoadOptions): Promise<LoadResult>;
  close(): Promise<void>;
}

/**
 * autocannon in a separate process (`load-child.ts`), so the load generator never shares an event
 * loop with the server it measures; one process for a whole comparison, so every slice of both
 * sides is driven by the same process with its code already compiled, and the twenty slices of
 * a round start no process (in A/A rounds the two ways spread alike, 0.038 and 0.036 standard
 * deviation over 9 rounds: a cost the slices no longer pay, not a bias they had).
 */
export function startLoadGenerator(): LoadGenerator {
  const child = fork(resolvePath(__dirname, "load-child.js"), [], { stdio: ["ignore", "ignore", "pipe", "ipc"] });
  let stderr = "";
  child.stderr?.on("data", (chunk) => (stderr += chunk));
  const pending = new Map<number, { resolve(result: LoadResult): void; reject(error: Error): void }>();
  let nextId = 0;
  let queue = Promise.resolve();
  child.on("message", (reply: LoadReply) => {
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if ("error" in reply) waiter?.reject(new Error(`autocannon: ${reply.error}`));
    else waiter?.resolve(fromRuns([reply.result as unknown as RawRun]));
  });
  const exited = new Promise<void>((done) =>
    child.on("exit", (code) => {
      for (const waiter of pending.values()) waiter.reject(new Error(`load generator exited ${code}: ${stderr.slice(-500)}`));
      pending.clear();
      done();
    }),
  );
  const send = (options: LoadOptions) =>
    new Promise<LoadResult>((resolve, reject) => {
      const request: LoadRequest = {
        id: nextId++,
        options: {
          url: options.url,
          method: "POST",
          body: options.body,
          headers: { "content-type": "application/json", ...options.headers },
          ...(options.rotateHeaders ? { requests: options.rotateHeaders.map((headers) => ({ headers })) } : {}),
          connections: options.connections ?? 16,
          duration: options.durationSeconds ?? 10,
        },
      };
      pending.set(request.id, { resolve, reject });
      child.send(request);
    });
  return {
    run(options) {
      const result = queue.then(() => send(options));
      queue = result.then(
        () => undefined,
        () => undefined,
      );
      return result;
    },
    async close() {
      if (child.exitCode === null) child.kill();
      await exited;
    },
  };
}

/** Several loads of one server as one: requests per second over their summed time, percentiles of all their latencies together. */
export function mergeLoads(loads: readonly LoadResult[]): LoadResult {
  return fromRuns(loads.flatMap((load) => load.runs));
}

/** A latency histogram in µs, 1 µs to 10 min, to 0.1 %: the load process records into one, `fromRuns` adds them. */
export function latencyHistogram() {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
}

/** A load driven in this process (not by autocannon): its completed operations over `seconds`, latencies recorded in µs. */
export function localLoadResult(micros: ReturnType<typeof latencyHistogram>, completed: number, seconds: number, errors = 0): LoadResult {
  return fromRuns([
    { latencyMicros: encodeIntoCompressedBase64(micros), totalCompletedRequests: completed, duration: seconds, non2xx: 0, errors },
  ]);
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
 * Ten rather than five: a disturbance of a second or so (a checkpoint, autovacuum, a neighbour) then
 * spans slices of both sides. Two identical servers against each other, rounds of 6 s: one round's
 * ratio had a standard deviation of 0.028 with ten slices (18 rounds), 0.037 with five (9 rounds).
 */
export const SLICES_PER_ROUND = 10;
