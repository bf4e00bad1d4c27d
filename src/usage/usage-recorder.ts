import { performance } from "node:perf_hooks";
import type { Clock } from "../common/clock";
import type { Logger } from "../logger";
import { UsageBatch } from "./usage-batch";
import { UsageEventInput } from "./usage-event";

/** Counters for dashboards (a Prometheus exporter reads them as gauges). */
export interface UsageRecorderStats {
  /** Events waiting in memory for the next flush. */
  bufferDepth: number;
  /** For the last successful flush: from the oldest event in it being recorded to its commit. */
  lastFlushLagMs: number;
  eventsWritten: number;
  /** Events refused because the buffer was full; each one is also in the log. */
  eventsDropped: number;
  flushFailures: number;
}

export interface UsageRecorderOptions {
  /** Flush at most this often while events arrive (and at once when a batch fills). */
  flushIntervalMs: number;
  /** Events held in memory at most; beyond it new events are dropped and counted, not queued. */
  bufferMax: number;
  batchSize?: number;
  maxBackoffMs?: number;
  /** How long `close()` keeps retrying a failing database before giving up and logging the loss. */
  closeTimeoutMs?: number;
}

/** Writes a batch; resolves once committed. Rejects (and is retried with the same batch) when the database fails. */
export type BatchWriter = (batch: UsageBatch) => Promise<number>;

/**
 * The metering write path: `record` returns at once and never touches the database; a background
 * flush writes batches (one statement each, idempotent on retry), with backoff while the database
 * fails, and calls `onCommitted` with each committed batch so streams publish only what is stored.
 */
export class UsageRecorder {
  /** Oldest first; each at most `batchSize` events. The first is sealed once its write began, and new events go to the last. */
  private batches: UsageBatch[] = [];
  private buffered = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<boolean> | null = null;
  private failuresInARow = 0;
  private closed = false;
  private lastDropLog = -Infinity;
  private lastDropAt = -Infinity;
  private readonly counters = { lastFlushLagMs: 0, eventsWritten: 0, eventsDropped: 0, flushFailures: 0 };
  private readonly batchSize: number;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly write: BatchWriter,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly onCommitted: (batch: UsageBatch) => void,
    private readonly options: UsageRecorderOptions,
  ) {
    this.batchSize = Math.min(options.batchSize ?? 2000, options.bufferMax);
    this.maxBackoffMs = options.maxBackoffMs ?? 5_000;
  }

  /**
   * Records one metered event; false when the buffer is full (the event is dropped and counted).
   * Never blocks and never throws: metering must not fail a request. The pipeline's metering
   * listener (`server/metering-listener.ts`) calls it once per request made with an API key,
   * whatever its outcome (a rate-limited or refused one included). The event counts in `usage` unless its outcome is
   * REJECTED, and is published on `usageEvents` once stored, with the id it was stored under.
   */
  record(input: UsageEventInput): boolean {
    if (this.buffered >= this.options.bufferMax) {
      this.drop();
      return false;
    }
    let batch = this.batches[this.batches.length - 1];
    if (!batch || batch.sealed || batch.length >= this.batchSize) {
      batch = new UsageBatch(performance.now());
      this.batches.push(batch);
    }
    batch.add(input, input.occurredAt ? input.occurredAt.getTime() : this.clock.nowMs());
    this.buffered += 1;
    if (this.closed) {
      // Only a request that outlived the drain gets here; write it on its own rather than lose it.
      void this.flush();
    } else {
      this.schedule();
    }
    return true;
  }

  stats(): UsageRecorderStats {
    return { bufferDepth: this.buffered, ...this.counters };
  }

  /** Sustained overload: the buffer is mostly full, or dropped events in the last minute. */
  overloaded(): boolean {
    return this.buffered >= this.options.bufferMax * 0.8 || performance.now() - this.lastDropAt < 60_000;
  }

  /** Writes everything buffered now (used by `close` and by tests that want no wait). */
  async flushAll(deadlineMs = this.options.closeTimeoutMs ?? 15_000): Promise<void> {
    const deadline = performance.now() + deadlineMs;
    let backoff = 50;
    while (this.buffered > 0 || this.flushing) {
      if (this.flushing) await this.flushing;
      else if (!(await this.flush())) {
        if (performance.now() + backoff > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, 1000);
      }
    }
  }

  /** Stops the timer and writes every buffered event before the database closes. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flushAll();
    if (this.buffered > 0) {
      this.logger.error({ lost: this.buffered }, "usage events could not be written before shutdown and are lost");
    }
  }

  private schedule(delayMs?: number): void {
    if (this.flushing || this.closed) return;
    const full = this.buffered >= this.batchSize;
    const delay = delayMs ?? (full ? 0 : this.options.flushIntervalMs);
    if (this.timer) {
      // A full batch goes at once rather than waiting out the interval timer; a backoff timer
      // (the database is failing) is never cut short.
      if (delay > 0 || this.failuresInARow > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delay);
    this.timer.unref();
  }

  /** One batch; true when it committed (or there was nothing to write). */
  private flush(): Promise<boolean> {
    if (this.flushing) return this.flushing;
    const batch = this.batches[0];
    if (!batch) return Promise.resolve(true);
    const run = async (): Promise<boolean> => {
      let ok = false;
      try {
        batch.seal();
        const written = await this.write(batch);
        ok = true;
        this.batches.shift();
        this.buffered -= batch.length;
        this.failuresInARow = 0;
        this.counters.eventsWritten += written;
        this.counters.lastFlushLagMs = Math.round(performance.now() - batch.openedAt);
        this.publish(batch);
      } catch (error) {
        this.failuresInARow += 1;
        this.counters.flushFailures += 1;
        this.logger.warn(
          { err: error, bufferDepth: this.buffered, failuresInARow: this.failuresInARow },
          "usage flush failed; events kept for retry",
        );
      }
      this.flushing = null;
      if (this.buffered > 0 && !this.closed) this.schedule(ok ? undefined : this.backoff());
      return ok;
    };
    this.flushing = run();
    return this.flushing;
  }

  private backoff(): number {
    return Math.min(this.options.flushIntervalMs * 2 ** Math.min(this.failuresInARow, 10), this.maxBackoffMs);
  }

  private publish(batch: UsageBatch): void {
    try {
      this.onCommitted(batch);
    } catch (error) {
      this.logger.error({ err: error }, "publishing committed usage events failed");
    }
  }

  private drop(): void {
    this.counters.eventsDropped += 1;
    this.lastDropAt = performance.now();
    if (this.lastDropAt - this.lastDropLog >= 10_000) {
      this.lastDropLog = this.lastDropAt;
      this.logger.error(
        { bufferDepth: this.buffered, eventsDropped: this.counters.eventsDropped },
        "usage buffer is full (database slow or down): dropping usage events",
      );
    }
  }
}
