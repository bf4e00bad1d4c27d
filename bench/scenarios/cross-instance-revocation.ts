import { startServer } from "../lib/server-process";
import { percentile, summarize } from "../lib/stats";
import { Scenario } from "../lib/types";

const TRIALS = Number(process.env.BENCH_S6_TRIALS || 100);

async function post(url: string, query: string, token: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: await res.json() };
}

/**
 * Two instances over one PostgreSQL and Redis: a key is revoked on A and then asked for on B as fast
 * as B answers, measuring from the end of the revocation to B's first refusal.
 */
export const crossInstanceRevocation: Scenario = {
  id: "6",
  title: "two instances over PostgreSQL + Redis: revokeApiKey on one → first refusal on the other",
  async run(ctx) {
    const env = { DATABASE_URL: ctx.databaseUrl, REDIS_URL: ctx.redisUrl };
    const a = await startServer(env);
    const b = await startServer(env);
    const latencies: number[] = [];
    try {
      for (let trial = 0; trial < TRIALS; trial++) {
        const created = await post(
          a.url,
          `mutation { createApiKey(input: { name: "Revoke ${trial}", permissions: [{ resource: CALLS, read: true }] }) { secret apiKey { id } } }`,
          ctx.seed.adminToken,
        );
        const { secret, apiKey } = created.body.data.createApiKey;
        const warm = await post(b.url, "{ viewer { kind } }", secret);
        if (warm.status !== 200) throw new Error(`key not usable on B: ${JSON.stringify(warm.body)}`);
        const revoked = await post(a.url, `mutation { revokeApiKey(id: "${apiKey.id}") { status } }`, ctx.seed.adminToken);
        if (revoked.body.data?.revokeApiKey.status !== "REVOKED") throw new Error(JSON.stringify(revoked.body));
        const started = performance.now();
        for (;;) {
          const answer = await post(b.url, "{ viewer { kind } }", secret);
          if (answer.status === 401) break;
          if (performance.now() - started > 5000) throw new Error("B still accepts the key 5 s after revocation");
        }
        latencies.push(performance.now() - started);
      }
    } finally {
      await a.stop();
      await b.stop();
    }
    const sorted = [...latencies].sort((x, y) => x - y);
    const p99 = percentile(sorted, 99);
    return [
      {
        scenario: "6",
        name: `revocation on A → first refusal on B, p99 of ${TRIALS} trials`,
        unit: "ms",
        summary: summarize([p99]),
        target: "≤ 1000",
        met: p99 <= 1000,
      },
      {
        scenario: "6",
        name: `revocation on A → first refusal on B, p50 of ${TRIALS} trials`,
        unit: "ms",
        summary: summarize([percentile(sorted, 50)]),
      },
      { scenario: "6", name: "all trials", unit: "ms", summary: summarize(latencies) },
    ];
  },
};
