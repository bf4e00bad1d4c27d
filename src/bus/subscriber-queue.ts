/** The Prometheus `field` label of a dropped payload: a stream, or `redis` for messages lost on the way between instances. */
export type DropField = "usageEvents" | "apiKeyUsage" | "securityAlerts" | "redis";

/** Payloads dropped since start, per field: the bus's own figures, which metrics read at scrape time. */
export class DropCounts {
  private readonly totals = new Map<DropField, number>();

  add(field: DropField, n: number): void {
    if (n > 0) this.totals.set(field, (this.totals.get(field) ?? 0) + n);
  }

  snapshot(): ReadonlyMap<DropField, number> {
    return new Map(this.totals);
  }
}

/** At most this many payloads wait for one subscriber's socket (docs/API.md, "Streams"). */
export const SUBSCRIBER_QUEUE_LIMIT = 10_000;

/**
 * One subscriber's own queue of payloads not yet handed to its socket: bounded, oldest dropped
 * first, and read by exactly one consumer (graphql-ws pulls the next payload only once the last
 * one is written, so a socket that stops reading leaves its payloads here, where the bound holds).
 * Nothing in it is shared with another subscriber: each subscriber gets its own, and a producer
 * pushes into every queue that wants a message. `droppedBeforeLast()` says how many were lost just
 * before the payload last handed out, so the transport can tell the client (`extensions.dropped`).
 */
export class SubscriberQueue<T> implements AsyncIterableIterator<T> {
  /** Waiting payloads are `items[head…]`; the array is compacted as its head advances, so it never holds more than twice the limit. */
  private items: T[] = [];
  private head = 0;
  private droppedSinceLast = 0;
  private lastDropped = 0;
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private closed = false;

  constructor(
    readonly field: DropField,
    private readonly drops: DropCounts,
    private readonly onClose: () => void = () => undefined,
    readonly limit = SUBSCRIBER_QUEUE_LIMIT,
  ) {}

  /** Payloads waiting (for tests and metrics). */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Hands the payload to a waiting reader, else keeps it, dropping the oldest when full. */
  push(item: T): void {
    if (this.closed) return;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      this.hand(waiting, item);
      return;
    }
    if (this.length === this.limit) {
      this.take();
      this.droppedSinceLast += 1;
      this.drops.add(this.field, 1);
    }
    this.items.push(item);
  }

  /** How many payloads were dropped between the one handed out before the last and the last. */
  droppedBeforeLast(): number {
    return this.lastDropped;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.length > 0) {
      const item = this.take();
      return new Promise((resolve) => this.hand(resolve, item));
    }
    if (this.closed) return Promise.resolve({ done: true, value: undefined });
    // One reader at a time: graphql-js asks for the next payload only after the last one settled.
    if (this.waiting) return Promise.reject(new Error("a subscriber queue has one reader"));
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /** Stops the queue for good: its producer forgets it, what waits is released. */
  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ done: true, value: undefined });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.close();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.items = [];
    this.head = 0;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.({ done: true, value: undefined });
    this.onClose();
  }

  private take(): T {
    const item = this.items[this.head];
    this.items[this.head] = undefined as T; // not held until the next compaction
    this.head += 1;
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  private hand(resolve: (result: IteratorResult<T>) => void, item: T): void {
    this.lastDropped = this.droppedSinceLast;
    this.droppedSinceLast = 0;
    resolve({ done: false, value: item });
  }
}
