import type { BusFigures } from "../../src/bus/event-bus";

/** What the benchmark's server answers over IPC: its V8 heap after a forced GC, and the payloads waiting in subscribers' queues. */
export interface ProbeReply {
  type: "probe";
  heapUsedBytes: number;
  queued: { payloads: number; deepest: number };
}

/**
 * Answers `{ type: "probe" }` on the IPC channel the benchmark opened (`server-process.ts`): a full
 * GC (`--expose-gc`), then the heap used and `bus.queued()`. Only the benchmark's own entry point
 * (`bench/server.ts`) calls this; the shipped server has no channel and no GC switch.
 */
export function answerProbes(bus: Pick<BusFigures, "queued">): void {
  if (!process.send) return;
  process.on("message", (message: { type?: string }) => {
    if (message?.type !== "probe") return;
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error("the benchmark server needs --expose-gc to answer a probe");
    gc();
    const reply: ProbeReply = { type: "probe", heapUsedBytes: process.memoryUsage().heapUsed, queued: bus.queued() };
    process.send?.(reply);
  });
  // The benchmark gone, nothing is left to stop this server.
  process.on("disconnect", () => process.kill(process.pid, "SIGTERM"));
}
