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

/**
 * Interleaved rounds: both servers stay up and warm; each round gives each side the round's
 * seconds in SLICES_PER_ROUND slices that alternate with the other side's, the first side swapped
 * every round, so drift on the shared machine falls on both alike. A side's figures for a round
 * are its slices merged: requests over their summed time, percentiles over all their latencies.
 * `afterRound`, when given, runs between rounds (outside every measured second).
 */
export async function interleaved(
  ctx: BenchContext,
  a: Side,
  b: Side,
  afterRound?: (round: number) => Promise<void>,
): Promise<{ a: LoadResult; b: LoadResult }[]> {
  const generator = startLoadGenerator();
  const load = (side: Side, seconds: number) =>
    generator.run({
      url: side.url,
      body: side.body,
      headers: side.headers,
      rotateHeaders: side.rotateHeaders,
      connections: ctx.connections,
      durationSeconds: seconds,
    });
  try {
    const slice = ctx.durationSeconds / SLICES_PER_ROUND;
    await load(a, WARM_UP_SECONDS);
    await load(b, WARM_UP_SECONDS);
    const results: { a: LoadResult; b: LoadResult }[] = [];
    for (let r = 0; r < ctx.rounds; r++) {
      const order = r % 2 === 0 ? [a, b] : [b, a];
      const slices = new Map<Side, LoadResult[]>([
        [a, []],
        [b, []],
      ]);
      for (let s = 0; s < SLICES_PER_ROUND; s++) for (const side of order) slices.get(side)!.push(await load(side, slice));
      const result = { a: mergeLoads(slices.get(a)!), b: mergeLoads(slices.get(b)!) };
      for (const x of [result.a, result.b])
        if (x.non2xx || x.errors) throw new Error(`non-2xx or errors under load: ${JSON.stringify({ ...x, runs: undefined })}`);
      results.push(result);
      console.log(
        `  round ${r + 1}: ${a.name} ${round(result.a.requestsPerSecond, 0)} req/s p99 ${result.a.p99} ms; ${b.name} ${round(result.b.requestsPerSecond, 0)} req/s p99 ${result.b.p99} ms`,
      );
      await afterRound?.(r);
    }
    return results;
  } finally {
    await generator.close();
  }
}

/** The ratio figures of a grantql ÷ peer comparison, and both sides' absolute figures. */
export function peerFigures(
  scenario: string,
  label: string,
  rounds: { a: LoadResult; b: LoadResult }[],
  rpsTarget: number,
  p99Target?: number,
  note?: string,
): Figure[] {
  const rps = summarize(rounds.map((r) => r.a.requestsPerSecond / r.b.requestsPerSecond));
  const p99 = summarize(rounds.map((r) => r.a.p99 / Math.max(r.b.p99, 1)));
  const rpsFigure = ratio(scenario, `${label}: requests/s, grantql ÷ PostGraphile`, rps, ["≥", rpsTarget], note);
  const p99Name = `${label}: p99 latency, grantql ÷ PostGraphile`;
  return [
    rpsFigure,
    p99Target
      ? ratio(scenario, p99Name, p99, ["≤", p99Target], rpsFigure.met ? note : "the same as for requests/s, above")
      : { scenario, name: p99Name, unit: "×", summary: p99 },
    { scenario, name: `${label}: grantql requests/s`, unit: "req/s", summary: summarize(rounds.map((r) => r.a.requestsPerSecond)) },
    { scenario, name: `${label}: PostGraphile requests/s`, unit: "req/s", summary: summarize(rounds.map((r) => r.b.requestsPerSecond)) },
    { scenario, name: `${label}: grantql p99`, unit: "ms", summary: summarize(rounds.map((r) => r.a.p99)) },
    { scenario, name: `${label}: PostGraphile p99`, unit: "ms", summary: summarize(rounds.map((r) => r.b.p99)) },
  ];
}
