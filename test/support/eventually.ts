import { setTimeout as delay } from "node:timers/promises";

/**
 * Re-reads a condition that has no event of its own (a count in the database, a readiness probe)
 * until `ok` holds or `deadlineMs` has passed, and returns the last value read either way, so the
 * assertion that follows reports what was actually seen. The first read happens at once; a
 * deadline of 0 reads exactly once.
 */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, deadlineMs = 2000, intervalMs = 25): Promise<T> {
  const deadline = performance.now() + deadlineMs;
  let value = await read();
  while (!ok(value) && performance.now() < deadline) {
    await delay(Math.min(intervalMs, Math.max(0, deadline - performance.now())));
    value = await read();
  }
  return value;
}
