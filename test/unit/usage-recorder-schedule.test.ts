import pino from "pino";
import { systemClock } from "../../src/common/clock";
import { UsageOutcome } from "../../src/usage/usage-event";
import { UsageRecorder } from "../../src/usage/usage-recorder";

const event = { workspaceId: "w", apiKeyId: "k", operationType: "query", outcome: UsageOutcome.ALLOWED };

// The scheduling alone, with a writer that resolves at once: what is measured is when batches leave.
function recorder(onBatch: (size: number) => void, failFirst = 0, attempts = { count: 0 }) {
  let failures = failFirst;
  return new UsageRecorder(
    async (events) => {
      attempts.count++;
      if (failures-- > 0) throw new Error("database down");
      onBatch(events.length);
      return events.length;
    },
    systemClock,
    pino({ level: "silent" }),
    () => undefined,
    { flushIntervalMs: 1000, bufferMax: 10_000, batchSize: 100 },
  );
}

it("a batch that fills while the interval timer is pending is written at once, not a second later", async () => {
  const started = performance.now();
  const written = new Promise<number>((resolve) => {
    const r = recorder(() => resolve(performance.now() - started));
    r.record(event); // arms the 1 s timer
    for (let i = 1; i < 100; i++) r.record(event); // fills the batch
  });
  expect(await written).toBeLessThan(500);
});

it("a failing database is not hammered: a full buffer waits out the backoff", async () => {
  const attempts = { count: 0 };
  let written = 0;
  const r = recorder((n) => (written += n), 1, attempts);
  for (let i = 0; i < 100; i++) r.record(event); // full: written at once, and the write fails
  while (r.stats().flushFailures === 0) await new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < 100; i++) r.record(event); // full again, inside the 2 s backoff
  // A cut-short backoff would schedule a 0 ms flush; 50 ms is ample for it to have run.
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(attempts.count).toBe(1);
  await r.flushAll();
  expect(written).toBe(200);
});
