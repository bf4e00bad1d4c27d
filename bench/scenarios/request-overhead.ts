import { runLoad, LoadResult, WARM_UP_SECONDS } from "../lib/load";
import { startServer, ServerProcess } from "../lib/server-process";
import { round, summarize } from "../lib/stats";
import { BenchContext, Figure, Scenario } from "../lib/types";

export const SCENARIO_1_QUERY = "{ calls(first: 20) { nodes { id status durationSeconds agent { name } contact { firstName } } } }";

/**
 * Interleaved A/B: both servers stay up and warm; each round loads one then the other, swapping
 * the order every round, so drift on the shared machine falls on both sides alike.
 */
async function abRounds(ctx: BenchContext, baseline: ServerProcess, measured: ServerProcess, keySecret = ctx.seed.keySecret) {
  const body = JSON.stringify({ query: SCENARIO_1_QUERY });
  const headers = { authorization: `Bearer ${keySecret}` };
  const load = (server: ServerProcess, seconds = ctx.durationSeconds) =>
    runLoad({ url: server.url, body, headers, connections: ctx.connections, durationSeconds: seconds });
  await load(baseline, WARM_UP_SECONDS);
  await load(measured, WARM_UP_SECONDS);
  const rounds: { base: LoadResult; feature: LoadResult }[] = [];
  for (let r = 0; r < ctx.rounds; r++) {
    const first = r % 2 === 0 ? baseline : measured;
    const a = await load(first);
    const b = await load(first === baseline ? measured : baseline);
    const base = first === baseline ? a : b;
    const feature = first === baseline ? b : a;
    for (const result of [base, feature])
      if (result.non2xx || result.errors) throw new Error(`non-2xx or errors under load: ${JSON.stringify(result)}`);
    rounds.push({ base, feature });
    console.log(
      `  round ${r + 1}: baseline ${round(base.requestsPerSecond, 0)} req/s p99 ${base.p99} ms; measured ${round(feature.requestsPerSecond, 0)} req/s p99 ${feature.p99} ms`,
    );
  }
  return rounds;
}

async function withServers<T>(
  ctx: BenchContext,
  baselineEnv: Record<string, string>,
  measuredEnv: Record<string, string>,
  work: (b: ServerProcess, m: ServerProcess) => Promise<T>,
): Promise<T> {
  const env = { DATABASE_URL: ctx.databaseUrl, REDIS_URL: "" };
  const baseline = await startServer({ ...env, ...baselineEnv });
  const measured = await startServer({ ...env, ...measuredEnv });
  try {
    return await work(baseline, measured);
  } finally {
    await baseline.stop();
    await measured.stop();
  }
}

export const authOverhead: Scenario = {
  id: "1",
  title: "calls(first: 20) with auth, permission check and metering vs all three off",
  run: (ctx) =>
    withServers(ctx, { BENCH_DISABLE: "auth,permissions,metering" }, {}, async (baseline, measured) => {
      const rounds = await abRounds(ctx, baseline, measured);
      const rps = summarize(rounds.map((r) => r.feature.requestsPerSecond / r.base.requestsPerSecond));
      const p99 = summarize(rounds.map((r) => r.feature.p99 / Math.max(r.base.p99, 1)));
      const figures: Figure[] = [
        { scenario: "1", name: "requests/s, on ÷ off", unit: "×", summary: rps, target: "≥ 0.95", met: rps.median >= 0.95 },
        { scenario: "1", name: "p99 latency, on ÷ off", unit: "×", summary: p99, target: "≤ 1.10", met: p99.median <= 1.1 },
        {
          scenario: "1",
          name: "absolute requests/s (all on)",
          unit: "req/s",
          summary: summarize(rounds.map((r) => r.feature.requestsPerSecond)),
        },
        { scenario: "1", name: "absolute p50 latency (all on)", unit: "ms", summary: summarize(rounds.map((r) => r.feature.p50)) },
        { scenario: "1", name: "absolute p99 latency (all on)", unit: "ms", summary: summarize(rounds.map((r) => r.feature.p99)) },
        { scenario: "1", name: "server memory after load (all on)", unit: "MiB", summary: summarize([measured.rssMiB()]) },
      ];
      return figures;
    }),
};

export const meteringOverhead: Scenario = {
  id: "2",
  title: "calls(first: 20), metering on vs off (auth on in both)",
  run: (ctx) =>
    withServers(ctx, { BENCH_DISABLE: "metering" }, {}, async (baseline, measured) => {
      const rounds = await abRounds(ctx, baseline, measured);
      const rps = summarize(rounds.map((r) => r.feature.requestsPerSecond / r.base.requestsPerSecond));
      return [{ scenario: "2", name: "requests/s, metering on ÷ off", unit: "×", summary: rps, target: "≥ 0.98", met: rps.median >= 0.98 }];
    }),
};

/** 49 blocks the bench client is not in, then its own address: every request walks the whole list. */
export const FIFTY_ENTRY_ALLOWLIST = [...Array.from({ length: 49 }, (_, i) => `10.${i}.0.0/16`), "127.0.0.1"];

export const allowlistOverhead: Scenario = {
  id: "1b",
  title: "scenario 1 with a 50-entry IP allowlist on the key (all on) vs all off",
  run: (ctx) =>
    withServers(ctx, { BENCH_DISABLE: "auth,permissions,metering" }, {}, async (baseline, measured) => {
      const created = await fetch(measured.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ctx.seed.adminToken}` },
        body: JSON.stringify({
          query: `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`,
          variables: {
            input: {
              name: "Bench allowlisted",
              allowedCidrs: FIFTY_ENTRY_ALLOWLIST,
              permissions: ["CALLS", "AGENTS", "CONTACTS"].map((resource) => ({ resource, read: true })),
            },
          },
        }),
      });
      const secret = ((await created.json()) as { data?: { createApiKey: { secret: string } } }).data?.createApiKey.secret;
      if (!secret) throw new Error("could not create the allowlisted bench key");
      const rounds = await abRounds(ctx, baseline, measured, secret);
      const rps = summarize(rounds.map((r) => r.feature.requestsPerSecond / r.base.requestsPerSecond));
      const p99 = summarize(rounds.map((r) => r.feature.p99 / Math.max(r.base.p99, 1)));
      const run = `${ctx.rounds} × ${ctx.durationSeconds} s`;
      return [
        {
          scenario: "1b",
          name: `requests/s, on with a 50-entry allowlist ÷ off (${run})`,
          unit: "×",
          summary: rps,
          target: "≥ 0.95",
          met: rps.median >= 0.95,
        },
        {
          scenario: "1b",
          name: `p99 latency, on with a 50-entry allowlist ÷ off (${run})`,
          unit: "×",
          summary: p99,
          target: "≤ 1.10",
          met: p99.median <= 1.1,
        },
        {
          scenario: "1b",
          name: "absolute requests/s (allowlisted key)",
          unit: "req/s",
          summary: summarize(rounds.map((r) => r.feature.requestsPerSecond)),
        },
      ];
    }),
};
