/**
 * One autocannon run in its own process (`runLoad` starts it): prints autocannon's raw result
 * (`skipAggregateResult`) with every 2xx response's latency in microseconds, as an encoded HDR
 * histogram, so that several runs can be merged into one exact distribution (`mergeLoads`).
 * autocannon's own histogram keeps whole milliseconds, too coarse for a p99 ratio near 12 ms.
 */
import { encodeIntoCompressedBase64 } from "hdr-histogram-js";
import { latencyHistogram } from "./load";

// autocannon ships no types: required as the CommonJS module it is.
const autocannon = require("autocannon");

const options = JSON.parse(process.argv[2] ?? "{}");
const micros = latencyHistogram();
const instance = autocannon({ ...options, skipAggregateResult: true }, (error: Error | null, result: Record<string, unknown>) => {
  if (error) {
    console.error(error.message);
    process.exit(1);
  }
  process.stdout.write(JSON.stringify({ ...result, latencyMicros: encodeIntoCompressedBase64(micros) }));
});
instance.on("response", (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
  if (statusCode >= 200 && statusCode < 300) micros.recordValue(Math.max(1, Math.round(responseTime * 1000)));
});
