import { interleaved, post, Side } from "../lib/peer-rounds";
import { startServer, ServerProcess } from "../lib/server-process";
import { ratio, summarize } from "../lib/stats";
import { BenchContext, Figure, Scenario } from "../lib/types";
import { SCENARIO_1_QUERY } from "./request-overhead";

const GRANTS = ["CALLS", "AGENTS", "CONTACTS"].map((resource) => ({ resource, read: true }));
/** Far more than any round can spend: the budget and credits are checked, never refused. */
const AMPLE = { costBudget: { maximum: 10_000_000, restorePerSecond: 1_000_000 }, credits: { remaining: 1_000_000_000 } };

/** A key with scenario 1's grants (and `spend`, when given), made through the API as an admin would. */
async function benchKey(ctx: BenchContext, server: ServerProcess, name: string, spend: Record<string, unknown> = {}): Promise<string> {
  const created = await post(
    { url: server.url, headers: { authorization: `Bearer ${ctx.seed.adminToken}` } },
    `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`,
    { input: { name, permissions: GRANTS, ...spend } },
  );
  return created.createApiKey.secret as string;
}

/**
 * Interleaved rounds of scenario 1's read on one server: one side with a key holding an ample
 * budget and credits, the other with an identical key without them.
 */
async function spendRounds(ctx: BenchContext, servers: ServerProcess[]) {
  const [first] = servers;
  const side = (name: string, secret: string): Side => ({
    name,
    url: first.url,
    body: JSON.stringify({ query: SCENARIO_1_QUERY }),
    headers: { authorization: `Bearer ${secret}` },
  });
  const spending = side("budget+credits", await benchKey(ctx, first, "Bench spending", AMPLE));
  const plain = side("plain", await benchKey(ctx, first, "Bench plain"));
  return interleaved(ctx, spending, plain);
}

async function withServers<T>(count: number, env: Record<string, string>, work: (servers: ServerProcess[]) => Promise<T>): Promise<T> {
  const servers: ServerProcess[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await startServer(env));
    return await work(servers);
  } finally {
    for (const server of servers) await server.stop();
  }
}

const SPEND_NOTE =
  "per request a key with both takes its cost from its bucket (this process's, or its slice of the shared one over Redis) and its " +
  "credit from a lease held in the process (no Redis round trip while the bucket is at least half full and the balance ample; a " +
  "lease of 80 credits from PostgreSQL — one prepared UPDATE — every 80 requests), its page's rows are counted by the statement for " +
  "its actual cost, and its answer carries extensions.cost (169 bytes more). Profiled on 2026-12-06, before that day's cuts (CPU profiles of one server, " +
  "the two keys' slices alternating, 30 × 3 s each): ~11 µs more server CPU per request of ~310 — the spend path's own functions " +
  "~3.5 µs (the take ~1.4, the settle and extensions.cost ~1), the longer answer's writes ~2 µs, the collector ~2 µs (~2.4 KB more " +
  "allocated per request) — and ~2–4 µs more PostgreSQL CPU for the counted statement (a plpgsql loop, 16 clients side by side)";

export const spendOverhead: Scenario = {
  id: "11",
  title: "scenario 1's read with a key holding an ample cost budget and credits ÷ the same key without, one instance and two over Redis",
  defaultRounds: 15,
  async run(ctx) {
    const figures: Figure[] = [];
    const setups: [string, number, Record<string, string>][] = [
      ["one instance", 1, { DATABASE_URL: ctx.databaseUrl, REDIS_URL: "" }],
      [
        "two instances over Redis",
        2,
        { DATABASE_URL: ctx.databaseUrl, REDIS_URL: ctx.redisUrl, REDIS_KEY_PREFIX: `bench11-${Date.now()}:` },
      ],
    ];
    for (const [label, count, env] of setups) {
      console.log(`  ${label}`);
      const rounds = await withServers(count, env, (servers) => spendRounds(ctx, servers));
      const rps = summarize(rounds.map((r) => r.a.requestsPerSecond / r.b.requestsPerSecond));
      const p99 = summarize(rounds.map((r) => r.a.p99 / Math.max(r.b.p99, 1)));
      figures.push(
        ratio("11", `${label}: requests/s, with budget and credits ÷ without`, rps, ["≥", 0.95], SPEND_NOTE),
        { scenario: "11", name: `${label}: p99 latency, with ÷ without`, unit: "×", summary: p99 },
        {
          scenario: "11",
          name: `${label}: requests/s with both`,
          unit: "req/s",
          summary: summarize(rounds.map((r) => r.a.requestsPerSecond)),
        },
      );
    }
    return figures;
  },
};

/** Requests of one key from `connections` loops spread over the servers, each until its first refusal. */
async function untilRefused(servers: ServerProcess[], secret: string, connections: number) {
  let ran = 0;
  let lastRan = 0;
  let lastRefused = 0;
  let other = 0;
  const body = JSON.stringify({ query: "{ viewer { kind } }" });
  const loop = async (url: string) => {
    for (;;) {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
        body,
      });
      await response.arrayBuffer();
      const now = performance.now();
      if (response.status === 200) {
        ran += 1;
        lastRan = Math.max(lastRan, now);
      } else {
        if (response.status === 429) lastRefused = Math.max(lastRefused, now);
        else other += 1;
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, i) => loop(servers[i % servers.length].url)));
  return { ran, other, refusedAfterMs: Math.max(0, lastRefused - lastRan) };
}

const CREDITS = Number(process.env.BENCH_CREDITS || "10000");

export const exactCredits: Scenario = {
  id: "12",
  title: `2 instances over Redis, a key with ${CREDITS} credits, 32 connections until refused`,
  async run(ctx) {
    const env = { DATABASE_URL: ctx.databaseUrl, REDIS_URL: ctx.redisUrl, REDIS_KEY_PREFIX: `bench12-${Date.now()}:` };
    const outcomes = await withServers(2, env, async (servers) => {
      const results = [];
      for (let r = 0; r < ctx.rounds; r++) {
        const secret = await benchKey(ctx, servers[0], `Bench credits ${r}`, { credits: { remaining: CREDITS } });
        const result = await untilRefused(servers, secret, 32);
        console.log(
          `  round ${r + 1}: ${result.ran} ran, other answers ${result.other}, every loop refused ${Math.round(result.refusedAfterMs)} ms after the last credit`,
        );
        results.push(result);
      }
      return results;
    });
    const exact = outcomes.every((o) => o.ran === CREDITS && o.other === 0);
    const delay = summarize(outcomes.map((o) => o.refusedAfterMs));
    return [
      {
        scenario: "12",
        name: `requests that ran (of ${CREDITS} credits)`,
        unit: "requests",
        summary: summarize(outcomes.map((o) => o.ran)),
        target: `= ${CREDITS}`,
        met: exact,
      },
      {
        scenario: "12",
        name: "every connection refused, after the last credit",
        unit: "ms",
        summary: delay,
        target: "≤ 1000",
        met: delay.max <= 1000,
      },
    ];
  },
};
