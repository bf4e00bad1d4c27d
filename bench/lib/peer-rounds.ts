import { LoadResult, mergeLoads, SLICES_PER_ROUND, startLoadGenerator, WARM_UP_SECONDS } from "./load";
import { ratio, round, summarize } from "./stats";
import { BenchContext, Figure } from "./types";

/** One side of a comparison: a server and the request that stands for the operation there. */
export interface Side {
  name: string;
  url: string;
  body: string;
  headers: Record<string, string>;
  /** Headers each request takes in turn (one load spread over several keys), over `headers`. */
  rotateHeaders?: Record<string, string>[];
}

/** POSTs a GraphQL request and returns its data, failing on any error. */
export async function post(side: Pick<Side, "url" | "headers">, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const response = await fetch(side.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...side.headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: unknown; errors?: unknown[] };
  if (!response.ok || body.errors) throw new Error(`${side.url}: ${response.status} ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
  return body.data;
}

/** A side driven from this process instead of over HTTP (the database's ceiling, `statement-load.ts`). */
export interface LocalSide {
  name: string;
  /** Loads it for `seconds` with `connections` callers at once. */
  run(seconds: number, connections: number): Promise<LoadResult>;
}

export type Contender = Side | LocalSide;

/**
 * Interleaved rounds: every side stays up and warm; each round gives each side the round's seconds in
 * SLICES_PER_ROUND slices that take turns with the other sides' (ABCABC…), the order rotated every round (BCABCA…),
 * so drift on the shared machine falls on all alike. A side's figures for a round are its slices merged: requests
 * over their summed time, percentiles over all their latencies. Each round's figures come in the order of `sides`.
 * `afterRound`, when given, runs between rounds (outside every measured second).
 */
export async function interleavedAll(
  ctx: BenchContext,
  sides: readonly Contender[],
  afterRound?: (round: number) => Promise<void>,
): Promise<LoadResult[][]> {
  const generator = startLoadGenerator();
  const load = (side: Contender, seconds: number) =>
    "run" in side
      ? side.run(seconds, ctx.connections)
      : generator.run({
          url: side.url,
          body: side.body,
          headers: side.headers,
          rotateHeaders: side.rotateHeaders,
          connections: ctx.connections,
          durationSeconds: seconds,
        });
  try {
    const slice = ctx.durationSeconds / SLICES_PER_ROUND;
    for (const side of sides) await load(side, WARM_UP_SECONDS);
    const results: LoadResult[][] = [];
    for (let r = 0; r < ctx.rounds; r++) {
      const order = sides.map((_, i) => (i + r) % sides.length);
      const slices = sides.map((): LoadResult[] => []);
      for (let s = 0; s < SLICES_PER_ROUND; s++) for (const i of order) slices[i].push(await load(sides[i], slice));
      const result = slices.map(mergeLoads);
      for (const x of result)
        if (x.non2xx || x.errors) throw new Error(`non-2xx or errors under load: ${JSON.stringify({ ...x, runs: undefined })}`);
      results.push(result);
      console.log(
        `  round ${r + 1}: ${result.map((x, i) => `${sides[i].name} ${round(x.requestsPerSecond, 0)}/s p99 ${x.p99} ms`).join("; ")}`,
      );
      await afterRound?.(r);
    }
    return results;
  } finally {
    await generator.close();
  }
}

/** Interleaved rounds of two sides (`interleavedAll`), each round's figures as `a` and `b`. */
export async function interleaved(
  ctx: BenchContext,
  a: Side,
  b: Side,
  afterRound?: (round: number) => Promise<void>,
): Promise<{ a: LoadResult; b: LoadResult }[]> {
  return (await interleavedAll(ctx, [a, b], afterRound)).map(([x, y]) => ({ a: x, b: y }));
}

/** A side grantql is compared with, and the targets of grantql ÷ it (none: the ratio is reported, not judged). */
export interface Peer {
  name: string;
  /** The unit its rate is counted in ("req/s" unless said). */
  unit?: string;
  rps?: number;
  p99?: number;
}

/**
 * The figures of a comparison measured by `interleavedAll` with grantql first and `peers` after it in the same
 * order: per peer grantql ÷ it in requests/s and p99 (judged where the peer has targets), then every side's
 * absolute rate and p99. `note` is what a missed target was found to cost.
 */
export function peerFigures(scenario: string, label: string, rounds: LoadResult[][], peers: readonly Peer[], note?: string): Figure[] {
  const figures: Figure[] = [];
  peers.forEach((peer, p) => {
    const rps = summarize(rounds.map((r) => r[0].requestsPerSecond / r[p + 1].requestsPerSecond));
    const p99 = summarize(rounds.map((r) => r[0].p99 / Math.max(r[p + 1].p99, 0.001)));
    const rpsName = `${label}: requests/s, grantql ÷ ${peer.name}`;
    const p99Name = `${label}: p99 latency, grantql ÷ ${peer.name}`;
    const rpsFigure = peer.rps
      ? ratio(scenario, rpsName, rps, ["≥", peer.rps], note)
      : { scenario, name: rpsName, unit: "×", summary: rps };
    figures.push(
      rpsFigure,
      peer.p99
        ? ratio(scenario, p99Name, p99, ["≤", peer.p99], rpsFigure.met === false ? "the same as for requests/s, above" : note)
        : { scenario, name: p99Name, unit: "×", summary: p99 },
    );
  });
  const sides = [{ name: "grantql", unit: "req/s" }, ...peers];
  sides.forEach((side, i) => {
    const unit = side.unit ?? "req/s";
    figures.push(
      {
        scenario,
        name: `${label}: ${side.name} ${unit === "req/s" ? "requests/s" : unit}`,
        unit,
        summary: summarize(rounds.map((r) => r[i].requestsPerSecond)),
      },
      { scenario, name: `${label}: ${side.name} p99`, unit: "ms", summary: summarize(rounds.map((r) => r[i].p99)) },
    );
  });
  return figures;
}
