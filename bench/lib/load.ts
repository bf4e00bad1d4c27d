import { spawn } from "node:child_process";

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
}

export interface LoadOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections?: number;
  durationSeconds?: number;
}

/**
 * autocannon in a separate process, so the load generator never shares an event loop with the
 * server it measures.
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const args = [
    require.resolve("autocannon/autocannon.js"),
    "--json",
    "-c",
    String(options.connections ?? 16),
    "-d",
    String(options.durationSeconds ?? 10),
    "-m",
    "POST",
    "-b",
    options.body,
    ...Object.entries({ "content-type": "application/json", ...options.headers }).flatMap(([k, v]) => ["-H", `${k}=${v}`]),
    options.url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err.slice(-500)}`));
      const r = JSON.parse(out);
      resolve({
        requestsPerSecond: r.requests.average,
        p50: r.latency.p50,
        p99: r.latency.p99,
        total: r.requests.total,
        non2xx: r.non2xx ?? 0,
        errors: r.errors ?? 0,
      });
    });
  });
}

/**
 * Load each server takes before the measured rounds: long enough for the JIT, the heap and the
 * database's plan caches to settle on this 2-core machine (3 s left the first round of the side
 * with more code paths visibly slower).
 */
export const WARM_UP_SECONDS = 10;

/**
 * Unmeasured load before each measured run of an interleaved comparison. While the other side
 * runs, a server's pg pool closes the connections idle for 10 s (pg's default idle timeout), so
 * without it whichever side waited longer (every other round, by the alternation) paid for new
 * PostgreSQL sessions, their catalog caches and first plans in its measured seconds: with an odd
 * number of rounds the median then fell on the side that waited more often (seen as per-round
 * ratios alternating ±8 % in scenarios 1, 1b and 2).
 */
export const REWARM_SECONDS = 1;
