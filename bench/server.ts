import "reflect-metadata";
import { systemClock } from "../src/common/clock";
import { loadConfig } from "../src/config";
import { openDatabase } from "../src/db/database";
import { createLogger } from "../src/logger";
import { buildAppSchema } from "../src/schema/build-schema";
import { createApp } from "../src/server/app";
import { createServices } from "../src/services";
import { benchComposition, parseBenchDisable } from "./lib/bench-composition";
import { answerProbes } from "./lib/server-probe";

/**
 * The benchmark's own server: the shipped `createApp` with the request-path features named in
 * `BENCH_DISABLE` switched off, so a scenario can measure what they cost against the same code.
 * Started by the benchmark with an IPC channel (and `--expose-gc`), over which it answers probes
 * of its heap and subscriber queues (`lib/server-probe.ts`). Built only by `tsconfig.bench.json`;
 * never part of what `npm start` runs.
 */
async function main(): Promise<void> {
  const disabled = parseBenchDisable(process.env.BENCH_DISABLE);
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const database = await openDatabase(config, logger);
  const services = createServices(database.dataSource, config, systemClock, logger);
  const app = await createApp({
    config,
    schema: await buildAppSchema(),
    services,
    logger,
    composition: benchComposition(disabled, services),
  });
  const port = await app.listen(config.port, config.host);
  answerProbes(services.bus);
  if (disabled.size > 0)
    logger.warn({ port, disabled: [...disabled] }, "benchmark server listening with request-path features off; never use it in production");
  const stop = async () => {
    await app.stop();
    await database.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop());
  process.once("SIGINT", () => void stop());
}

main().catch((error) => {
  console.error("benchmark server failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
