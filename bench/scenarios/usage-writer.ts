import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import pino from "pino";
import { createDataSource } from "../../ormconfig";
import { systemClock } from "../../src/common/clock";
import { UsageOutcome } from "../../src/usage/usage-event";
import { UsageRecorder } from "../../src/usage/usage-recorder";
import { writeUsageBatch } from "../../src/usage/usage-writer";
import { round, summarize } from "../lib/stats";
import { Figure, Scenario } from "../lib/types";

const BURST = 200_000;

/**
 * Scenario 1's median requests/s — from this run if it ran, else from the last results — the rate
 * the writer must beat twenty times over.
 */
function scenarioOneRps(current: Figure[]): number {
  const find = (figures: { scenario: string; name: string; summary: { median: number } }[]) =>
    figures.find((f) => f.scenario === "1" && f.name.startsWith("absolute requests/s"))?.summary.median;
  const path = resolve(__dirname, "../../../bench/results/latest.json");
  const previous = existsSync(path) ? find(JSON.parse(readFileSync(path, "utf8")).figures) : undefined;
  return find(current) ?? previous ?? 1500;
}

/**
 * The metering writer alone, in this process, against the benchmark database: a burst to find what
 * it sustains, then a steady stream at 20× scenario 1's request rate to measure flush lag and loss.
 */
export const usageWriter: Scenario = {
  id: "3",
  title: "metering writer alone: events/s into PostgreSQL, flush lag, events lost",
  async run(ctx) {
    const db = createDataSource({ url: ctx.databaseUrl, poolMax: 4 });
    await db.initialize();
    const recorder = new UsageRecorder(
      (events) => writeUsageBatch(db, events),
      systemClock,
      pino({ level: "silent" }),
      () => undefined,
      {
        flushIntervalMs: 1000,
        bufferMax: 2_000_000,
      },
    );
    const event = {
      workspaceId: ctx.seed.workspaceId,
      apiKeyId: ctx.seed.keyId,
      operationType: "query",
      operationName: "Bench",
      resources: [],
      outcome: UsageOutcome.ALLOWED,
      durationMs: 3,
    };
    const stored = async () =>
      Number((await db.query("SELECT count(*) AS n FROM usage_event WHERE api_key_id = $1", [ctx.seed.keyId]))[0].n);
    const figures: Figure[] = [];
    try {
      const throughput: number[] = [];
      for (let r = 0; r < ctx.rounds; r++) {
        const started = performance.now();
        for (let i = 0; i < BURST; i++) recorder.record(event);
        await recorder.flushAll();
        throughput.push(BURST / ((performance.now() - started) / 1000));
      }
      const target = 20 * scenarioOneRps(ctx.figures);
      const rate = Math.round(target);
      const before = await stored();
      const lags: number[] = [];
      let offered = 0;
      const seconds = ctx.durationSeconds;
      const tickMs = 20;
      const started = performance.now();
      // Lag is reported per committed flush; count only flushes of this steady phase, not the
      // last batch of the bursts above (which waited behind 200,000 others by design).
      const writtenBefore = recorder.stats().eventsWritten;
      while (performance.now() - started < seconds * 1000) {
        const due = Math.floor(((performance.now() - started) / 1000) * rate) - offered;
        for (let i = 0; i < due; i++) recorder.record(event);
        offered += due;
        const stats = recorder.stats();
        if (stats.eventsWritten > writtenBefore) lags.push(stats.lastFlushLagMs);
        await new Promise((r) => setTimeout(r, tickMs));
      }
      await recorder.flushAll();
      const lost = offered - ((await stored()) - before);
      const sustained = summarize(throughput);
      figures.push(
        {
          scenario: "3",
          name: `writer throughput (bursts of ${BURST})`,
          unit: "events/s",
          summary: sustained,
          target: `≥ ${Math.round(target)} (20× scenario 1)`,
          met: sustained.median >= target,
        },
        {
          scenario: "3",
          name: `flush lag at ${rate} events/s for ${seconds} s (max of samples)`,
          unit: "ms",
          summary: summarize([Math.max(...lags)]),
          target: "≤ 1000",
          met: Math.max(...lags) <= 1000,
        },
        {
          scenario: "3",
          name: `events lost of ${offered} offered`,
          unit: "events",
          summary: summarize([lost]),
          target: "0",
          met: lost === 0,
        },
      );
      console.log(`  burst throughput ${throughput.map((t) => round(t, 0)).join(", ")} events/s`);
    } finally {
      await recorder.close();
      await db.destroy();
    }
    return figures;
  },
};
