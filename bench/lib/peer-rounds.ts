import { runLoad, LoadResult, REWARM_SECONDS, WARM_UP_SECONDS } from "./load";
import { ratio, round, summarize } from "./stats";
import { BenchContext, Figure } from "./types";

/** One side of a comparison: a server and the request that stands for the operation there. */
export interface Side {
  name: string;
  url: string;
  body: string;
  headers: Record<string, string>;
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
 * Interleaved rounds: both servers stay up and warm; each round loads one then the other,
 * swapping the order every round, so drift on the shared machine falls on both alike. Each
 * measured run follows REWARM_SECONDS of unmeasured load on the same server (see there).
 */
export async function interleaved(ctx: BenchContext, a: Side, b: Side): Promise<{ a: LoadResult; b: LoadResult }[]> {
  const load = (side: Side, seconds = ctx.durationSeconds) =>
    runLoad({ url: side.url, body: side.body, headers: side.headers, connections: ctx.connections, durationSeconds: seconds });
  const measure = async (side: Side) => {
    await load(side, REWARM_SECONDS);
    return load(side);
  };
  await load(a, WARM_UP_SECONDS);
  await load(b, WARM_UP_SECONDS);
  const rounds: { a: LoadResult; b: LoadResult }[] = [];
  for (let r = 0; r < ctx.rounds; r++) {
    const aFirst = r % 2 === 0;
    const first = await measure(aFirst ? a : b);
    const second = await measure(aFirst ? b : a);
    const result = aFirst ? { a: first, b: second } : { a: second, b: first };
    for (const x of [result.a, result.b]) if (x.non2xx || x.errors) throw new Error(`non-2xx or errors under load: ${JSON.stringify(x)}`);
    rounds.push(result);
    console.log(
      `  round ${r + 1}: ${a.name} ${round(result.a.requestsPerSecond, 0)} req/s p99 ${result.a.p99} ms; ${b.name} ${round(result.b.requestsPerSecond, 0)} req/s p99 ${result.b.p99} ms`,
    );
  }
  return rounds;
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
  const rpsMet = rps.median >= rpsTarget;
  const p99Met = p99Target ? p99.median <= p99Target : undefined;
  return [
    ratio(scenario, `${label}: requests/s, grantql ÷ PostGraphile`, rps, ["≥", rpsTarget], note),
    {
      scenario,
      name: `${label}: p99 latency, grantql ÷ PostGraphile`,
      unit: "×",
      summary: p99,
      ...(p99Target ? { target: `≤ ${p99Target.toFixed(2)}`, met: p99Met } : {}),
      ...(p99Met === false ? { note: rpsMet ? note : "the same as for requests/s, above" } : {}),
    },
    { scenario, name: `${label}: grantql requests/s`, unit: "req/s", summary: summarize(rounds.map((r) => r.a.requestsPerSecond)) },
    { scenario, name: `${label}: PostGraphile requests/s`, unit: "req/s", summary: summarize(rounds.map((r) => r.b.requestsPerSecond)) },
    { scenario, name: `${label}: grantql p99`, unit: "ms", summary: summarize(rounds.map((r) => r.a.p99)) },
    { scenario, name: `${label}: PostGraphile p99`, unit: "ms", summary: summarize(rounds.map((r) => r.b.p99)) },
  ];
}
