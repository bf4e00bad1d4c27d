import { createClient, Client } from "graphql-ws";
import WebSocket from "ws";
import { REWARM_SECONDS, runLoad, WARM_UP_SECONDS } from "../lib/load";
import { startServer, ServerProcess } from "../lib/server-process";
import { percentile, ratio, summarize } from "../lib/stats";
import { BenchContext, Figure, Scenario } from "../lib/types";
import { SCENARIO_1_QUERY } from "./request-overhead";

const SUBSCRIBERS = Number(process.env.BENCH_S5_SUBSCRIBERS || 1000);

interface Receipt {
  value: number;
  at: number;
}

async function subscribeAll(server: ServerProcess, ctx: BenchContext): Promise<{ clients: Client[]; receipts: Receipt[][] }> {
  const clients: Client[] = [];
  const receipts: Receipt[][] = [];
  const ready: Promise<void>[] = [];
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const client = createClient({
      url: server.url.replace("http", "ws"),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${ctx.seed.adminToken}` },
      retryAttempts: 0,
      lazy: false,
    });
    const mine: Receipt[] = [];
    receipts.push(mine);
    ready.push(
      new Promise((resolve, reject) => {
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
              mine.push({ value: msg.data.apiKeyUsage.usage.last30d, at: performance.now() });
            },
            error: reject,
            complete: () => undefined,
          },
        );
      }),
    );
    clients.push(client);
  }
  await Promise.all(ready);
  return { clients, receipts };
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
 * Scenario 1's load with and without 1,000 graphql-ws subscribers to `apiKeyUsage` of the loaded
 * key (updates at most 1 Hz). Delivery: every subscriber ends on the run's final counters; spread:
 * how long after the first subscriber got a value the others got it.
 */
export const subscribersUnderLoad: Scenario = {
  id: "5",
  title: `${SUBSCRIBERS} graphql-ws subscribers to apiKeyUsage at 1 Hz while scenario 1 runs`,
  async run(ctx) {
    const server = await startServer({ DATABASE_URL: ctx.databaseUrl, REDIS_URL: "" });
    const body = JSON.stringify({ query: SCENARIO_1_QUERY });
    const headers = { authorization: `Bearer ${ctx.seed.keySecret}` };
    const load = (seconds = ctx.durationSeconds) =>
      runLoad({ url: server.url, body, headers, connections: ctx.connections, durationSeconds: seconds });
    const measure = async () => {
      await load(REWARM_SECONDS);
      return load();
    };
    const ratios: number[] = [];
    const delivered: number[] = [];
    const messageShare: number[] = [];
    const spreads: number[] = [];
    try {
      await load(WARM_UP_SECONDS);
      for (let r = 0; r < ctx.rounds; r++) {
        // Without subscribers first in even rounds, last in odd ones, so neither side always follows
        // the 1,000 connections' opening or closing.
        const withoutFirst = r % 2 === 0;
        let without = withoutFirst ? await measure() : null;
        const { clients, receipts } = await subscribeAll(server, ctx);
        const withSubs = await measure();
        // Before counting deliveries, let the run's last change reach everyone: wait until the
        // counter stops moving, then (bounded) until every subscriber has seen its final value.
        const final = await stableCounter(server, ctx);
        const deadline = performance.now() + 5000;
        while (performance.now() < deadline && receipts.some((list) => list[list.length - 1]?.value !== final))
          await new Promise((res) => setTimeout(res, 100));
        await Promise.all(clients.map((c) => c.dispose()));
        without ??= await measure();
        ratios.push(withSubs.requestsPerSecond / without.requestsPerSecond);
        const firstSeen = new Map<number, number>();
        for (const list of receipts) for (const { value, at } of list) firstSeen.set(value, Math.min(firstSeen.get(value) ?? Infinity, at));
        // Delivered: the subscriber ended on the run's final counters. Intermediate values may
        // differ between subscribers (updates are coalesced per subscriber), the final one may not.
        const reachedFinal = receipts.filter((list) => list[list.length - 1]?.value === final).length;
        delivered.push((100 * reachedFinal) / receipts.length);
        const most = Math.max(...receipts.map((list) => list.length));
        messageShare.push((100 * receipts.reduce((n, list) => n + list.length, 0)) / (receipts.length * most));
        for (const list of receipts) for (const { value, at } of list) spreads.push(at - firstSeen.get(value)!);
        console.log(
          `  round ${r + 1}: ${Math.round(without.requestsPerSecond)} → ${Math.round(withSubs.requestsPerSecond)} req/s; ${firstSeen.size} distinct counter values, ${reachedFinal}/${receipts.length} subscribers reached the final one`,
        );
      }
    } finally {
      await server.stop();
    }
    const ratioSummary = summarize(ratios);
    const pct = summarize(delivered);
    const p99 = percentile(
      [...spreads].sort((a, b) => a - b),
      99,
    );
    const figures: Figure[] = [
      ratio(
        "5",
        "requests/s with subscribers ÷ without",
        ratioSummary,
        ["≥", 0.9],
        "each counter update is executed and sent to every subscriber (1,000 messages a second), and the benchmark's " +
          "1,000 graphql-ws clients parse them in the benchmark's own process, all on the same two cores as the loaded server",
      ),
      {
        scenario: "5",
        name: "subscribers that received the run's final counters",
        unit: "%",
        summary: pct,
        target: "≥ 99.9",
        met: pct.min >= 99.9,
      },
      { scenario: "5", name: "messages per subscriber ÷ the most any subscriber got", unit: "%", summary: summarize(messageShare) },
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
