/**
 * The load generator's process (`startLoadGenerator` forks it): it stays up for a whole comparison
 * and runs one autocannon load per message, so every slice after the warm-up is driven by code the
 * JIT has already compiled, and no slice pays for starting a process. Each reply is autocannon's
 * raw result (`skipAggregateResult`) with every 2xx response's latency in microseconds, as an
 * encoded HDR histogram, so that several runs can be merged into one exact distribution
 * (`mergeLoads`); autocannon's own histogram keeps whole milliseconds, too coarse for a p99 ratio
 * near 12 ms.
 */
import { encodeIntoCompressedBase64 } from "hdr-histogram-js";
import { latencyHistogram, LoadReply, LoadRequest } from "./load";

// autocannon ships no types: required as the CommonJS module it is.
const autocannon = require("autocannon");

function run(options: LoadRequest["options"]): Promise<Record<string, unknown>> {
  const micros = latencyHistogram();
  return new Promise((resolve, reject) => {
    const instance = autocannon({ ...options, skipAggregateResult: true }, (error: Error | null, result: Record<string, unknown>) => {
      if (error) reject(error);
      else resolve({ ...result, latencyMicros: encodeIntoCompressedBase64(micros) });
    });
    instance.on("response", (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode >= 200 && statusCode < 300) micros.recordValue(Math.max(1, Math.round(responseTime * 1000)));
    });
  });
}

// The bench's process gone (finished or killed), nothing is left to answer.
process.on("disconnect", () => process.exit(0));
process.on("message", (request: LoadRequest) => {
  const reply = (message: LoadReply) => process.send?.(message);
  run(request.options).then(
    (result) => reply({ id: request.id, result }),
    (error: unknown) => reply({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
