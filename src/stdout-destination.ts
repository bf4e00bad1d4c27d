import { write, writeSync } from "node:fs";

/** Log bytes held while stdout does not take them; beyond it lines are dropped (counted), never queued without bound. */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;
const RETRY_MS = 100;

/**
 * Where the logger writes: a file descriptor (stdout) written asynchronously, such that a reader
 * that went away never wedges the process. pino's own destination (sonic-boom) retries a full pipe
 * for ever and, at exit, flushes in a synchronous loop that never ends on a broken pipe (EPIPE),
 * so a SIGTERM never finishes. Here: a full pipe (EAGAIN) is retried every 100 ms while lines
 * beyond MAX_PENDING_BYTES are dropped; any other write error (EPIPE) ends logging for good, said
 * once on stderr; at exit what is pending gets one synchronous attempt, no retry.
 */
export class StdoutDestination {
  private queue: string[] = [];
  private queuedBytes = 0;
  private current: Buffer | null = null;
  /** A write of `current` is under way; at exit it is not sent again (it would appear twice). */
  private inFlight = false;
  private dead = false;
  private waiting: (() => void)[] = [];
  /** Lines dropped because stdout did not take them in time. */
  dropped = 0;

  constructor(private readonly fd = 1) {
    process.once("exit", () => this.flushSync());
  }

  write(line: string): void {
    if (this.dead) return;
    if (this.queuedBytes + line.length > MAX_PENDING_BYTES) {
      this.dropped += 1;
      return;
    }
    this.queue.push(line);
    this.queuedBytes += line.length;
    if (!this.current) this.next();
  }

  /** Calls back once everything queued so far is written (or logging has ended). */
  flush(callback?: () => void): void {
    if (!callback) return;
    if (!this.current || this.dead) callback();
    else this.waiting.push(callback);
  }

  /** One synchronous attempt to write what is pending; whatever stdout refuses is lost. */
  flushSync(): void {
    if (this.dead) return;
    const unsent = this.current && !this.inFlight ? this.current : Buffer.alloc(0);
    let pending = Buffer.concat([unsent, Buffer.from(this.queue.join(""))]);
    this.queue = [];
    this.queuedBytes = 0;
    this.current = null;
    try {
      while (pending.length > 0) pending = pending.subarray(writeSync(this.fd, pending));
    } catch {
      // stdout is gone or full: the rest is lost, and the exit goes on.
    }
  }

  private next(): void {
    if (this.queue.length === 0) {
      this.current = null;
      for (const callback of this.waiting.splice(0)) callback();
      return;
    }
    this.current = Buffer.from(this.queue.join(""));
    this.queue = [];
    this.queuedBytes = 0;
    this.send();
  }

  private send(): void {
    const chunk = this.current!;
    this.inFlight = true;
    write(this.fd, chunk, (error, written) => {
      this.inFlight = false;
      if (this.dead || this.current !== chunk) return;
      if (error?.code === "EAGAIN") {
        setTimeout(() => this.send(), RETRY_MS).unref();
      } else if (error) {
        this.end(error);
      } else if (written < chunk.length) {
        this.current = chunk.subarray(written);
        this.send();
      } else {
        this.next();
      }
    });
  }

  private end(error: NodeJS.ErrnoException): void {
    this.dead = true;
    this.queue = [];
    this.current = null;
    for (const callback of this.waiting.splice(0)) callback();
    process.stderr.write(`grantql: stdout stopped taking log lines (${error.code ?? error.message}); further log lines are dropped\n`);
  }
}
