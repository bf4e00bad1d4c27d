/**
 * One autocannon run in its own process (`runLoad` starts it): prints autocannon's raw result, whose
 * latency histogram is kept whole (`skipAggregateResult`), so that several runs can be merged into
 * one exact distribution (`mergeLoads`).
 */
// autocannon ships no types: required as the CommonJS module it is.
const autocannon = require("autocannon");

const options = JSON.parse(process.argv[2] ?? "{}");
autocannon({ ...options, skipAggregateResult: true }, (error: Error | null, result: unknown) => {
  if (error) {
    console.error(error.message);
    process.exit(1);
  }
  process.stdout.write(JSON.stringify(result));
});
