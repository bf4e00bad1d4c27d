import type { LoadResult } from "../lib/load";
import { interleaved, Side } from "../lib/peer-rounds";
import { startServer, ServerProcess } from "../lib/server-process";
import { percentile, ratio, summarize } from "../lib/stats";
import { Connected, disconnectAll, openAll } from "../lib/subscribers";
import { BenchContext, Figure, Scenario } from "../lib/types";
import { SCENARIO_1_QUERY } from "./request-overhead";

const SUBSCRIBERS = Number(process.env.BENCH_S5_SUBSCRIBERS || 1000);

interface Receipt {
  value: number;
  at: number;
}

/** Opens the subscribers into `clients`; resolves once each has its opening snapshot. */
async function subscribeAll(server: ServerProcess, ctx: BenchContext, clients: Connected[]): Promise<Receipt[][]> {
  const receipts: Receipt[][] = Array.from({ length: SUBSCRIBERS }, () => []);
  const cuts = await openAll(
    server.url,
    Array(SUBSCRIBERS).fill(ctx.seed.adminToken),
    ({ client }, i) =>
      new Promise<void>((resolve, reject) => {
        let first = true;
        client.subscribe(
          { query: `subscription { apiKeyUsage(apiKeyId: "${ctx.seed.keyId}") { usage { last30d } } }` },
          {
            next: (msg: any) => {
              if (first) {
                first = false; // the snapshot that opens every subscription is not an update
                resolve();
                return;
              }
              receipts[i].push({ value: msg.data.apiKeyUsage.usage.last30d, at: performance.now() });
            },
            error: reject,
            complete: () => undefined,
          },
        );
      }),
    clients,
  );
  if (cuts > 0) console.log(`    ${cuts} sockets cut as "signed out" while connecting (see bench/lib/subscribers.ts) and opened again`);
  return receipts;
}

/** The key's 30-day counter once it has not changed for 2 s (every buffered event flushed and counted). */
async function stableCounter(server: ServerProcess, ctx: BenchContext): Promise<number> {
  const read = async () => {
    const res = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ctx.seed.adminToken}` },
      body: JSON.stringify({ query: `{ apiKey(id: "${ctx.seed.keyId}") { usage { last30d } } }` }),
    });
    return ((await res.json()) as { data: { apiKey: { usage: { last30d: number } } } }).data.apiKey.usage.last30d;
  };
  let value = await read();
  let since = performance.now();
  while (performance.now() - since < 2000) {
    await new Promise((res) => setTimeout(res, 250));
    const next = await read();
    if (next !== value) {
      value = next;
      since = performance.now();
    }
  }
  return value;
}

/**
 * Scenario 1's load while 1,000 graphql-ws subscribers follow `apiKeyUsage` of the loaded key
 * (updates at most 1 Hz), against the same load through a twin key that nobody watches, on the same
 * server with the same 1,000 connections open: interleaved sliced rounds, as the peer comparisons,
 * so the ratio is what the updates cost, not drift between runs or the opening of a thousand
 * sockets. Delivery: after each round every subscriber has the round's final counters; spread: how
 * long after the first subscriber got a value the others got it.
 */
export const subscribersUnderLoad: Scenario = {
  id: "5",
  title: `${SUBSCRIBERS} graphql-ws subscribers to apiKeyUsage at 1 Hz while scenario 1 runs`,
  async run(ctx) {
    // One member session watches from every socket here, so its per-instance socket cap is raised to their number.
    const server = await startServer({ DATABASE_URL: ctx.databaseUrl, REDIS_URL: "", WS_MAX_SOCKETS_PER_SESSION: String(SUBSCRIBERS) });
    const body = JSON.stringify({ query: SCENARIO_1_QUERY });
    const watched: Side = { name: "watched key", url: server.url, body, headers: { authorization: `Bearer ${ctx.seed.keySecret}` } };
    const unwatched: Side = {
      name: "unwatched key",
      url: server.url,
      body,
      headers: { authorization: `Bearer ${ctx.seed.unwatchedKeySecret}` },
    };
    const delivered: number[] = [];
    let receipts: Receipt[][] = [];
    const clients: Connected[] = [];
    let rounds: { a: LoadResult; b: LoadResult }[];
    try {
      receipts = await subscribeAll(server, ctx, clients);
      rounds = await interleaved(ctx, watched, unwatched, async () => {
        // Before counting deliveries, let the round's last change reach everyone: wait until the
        // counter stops moving, then (bounded) until every subscriber has seen its final value.
        const final = await stableCounter(server, ctx);
        const deadline = performance.now() + 5000;
        while (performance.now() < deadline && receipts.some((list) => list[list.length - 1]?.value !== final))
          await new Promise((res) => setTimeout(res, 100));
        // Delivered: the subscriber ended on the round's final counters. Intermediate values may
        // differ between subscribers, the final one may not.
        const reachedFinal = receipts.filter((list) => list[list.length - 1]?.value === final).length;
        delivered.push((100 * reachedFinal) / receipts.length);
        console.log(`    ${reachedFinal}/${receipts.length} subscribers reached the round's final counters (${final})`);
      });
    } finally {
      await disconnectAll(clients);
      await server.stop();
    }
    const ratios = rounds.map((round) => round.a.requestsPerSecond / round.b.requestsPerSecond);
    const p99Ratios = rounds.map((round) => round.a.p99 / Math.max(round.b.p99, 1));
    const firstSeen = new Map<number, number>();
    for (const list of receipts) for (const { value, at } of list) firstSeen.set(value, Math.min(firstSeen.get(value) ?? Infinity, at));
    const most = Math.max(...receipts.map((list) => list.length));
    const messageShare = (100 * receipts.reduce((n, list) => n + list.length, 0)) / (receipts.length * most);
    const spreads: number[] = [];
    for (const list of receipts) for (const { value, at } of list) spreads.push(at - firstSeen.get(value)!);
    const ratioSummary = summarize(ratios);
    const pct = summarize(delivered);
    const p99 = percentile(
      [...spreads].sort((a, b) => a - b),
      99,
    );
    const figures: Figure[] = [
      ratio(
        "5",
        "requests/s with subscribers ÷ without (a twin key nobody watches, same server and connections)",
        ratioSummary,
        ["≥", 0.9],
        "each counter update is executed and sent to every subscriber (1,000 messages a second), and the benchmark's " +
          "1,000 graphql-ws clients parse them in the benchmark's own process, all on the same two cores as the loaded server",
      ),
      {
        scenario: "5",
        name: "subscribers that received each round's final counters",
        unit: "%",
        summary: pct,
        target: "≥ 99.9",
        met: pct.min >= 99.9,
      },
      { scenario: "5", name: "p99 latency with subscribers ÷ without", unit: "×", summary: summarize(p99Ratios) },
      { scenario: "5", name: "messages per subscriber ÷ the most any subscriber got", unit: "%", summary: summarize([messageShare]) },
      {
        scenario: "5",
        name: "delivery spread across subscribers, p99",
        unit: "ms",
        summary: summarize([p99]),
        target: "≤ 1000",
        met: p99 <= 1000,
      },
    ];
    return figures;
  },
};
