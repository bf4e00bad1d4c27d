import { randomUUID } from "node:crypto";
import type { RedisConnections, RedisState } from "./redis-connections";
import { DropCounts, DropField, SubscriberQueue } from "./subscriber-queue";

/** Topic → message type. A message of a topic shared between instances must survive JSON. */
export type TopicMap = { [topic: string]: unknown };

/** What a part of the process sees of the bus: publish, listen, and a subscriber's own queue. */
export interface Bus<T extends TopicMap> {
  /**
   * Hands the message at once, in this call, to every listener of `topic` (of `route`, when the
   * topic is routed) on this instance, and, unless the topic is local, to those of every other
   * instance through Redis. Listeners of one instance receive an instance's messages in the
   * order it published them.
   */
  publish<K extends keyof T & string>(topic: K, message: T[K], route?: string): void;
  /** Calls `listener` with each message of `topic` (of `route` only, when given) until the returned function is called. */
  on<K extends keyof T & string>(topic: K, route: string | undefined, listener: (message: T[K]) => void): () => void;
  /**
   * A subscriber's own bounded queue, fed from `topic`: `select` turns each message into the
   * payloads this subscriber wants (none, one or several), pushed into this queue alone.
   */
  stream<K extends keyof T & string, P>(
    topic: K,
    route: string | undefined,
    field: DropField,
    select: (message: T[K], push: (payload: P) => void) => void,
  ): SubscriberQueue<P>;
  /** A subscriber's own bounded queue that something other than one topic feeds (`onClose` tells it to stop). */
  queue<P>(field: DropField, onClose?: () => void): SubscriberQueue<P>;
}

/** The bus as metrics read it. */
export interface BusFigures {
  redisState(): RedisState;
  dropped(): ReadonlyMap<DropField, number>;
  /** Payloads waiting in subscribers' queues now: in all of them, and in the fullest one. */
  queued(): { payloads: number; deepest: number };
}

type Listener = (message: unknown) => void;

/** How a message travels between instances: who sent it (its own instance skips it) and what it is. */
interface Envelope {
  o: string;
  m: unknown;
}

/**
 * One typed bus for the process, knowing no domain: topics are the type parameter (as immich's
 * `EventMap`), messages are handed to listeners synchronously on the publishing instance and
 * through Redis pub/sub (with `REDIS_URL`) on the others, and every stream subscriber owns its
 * queue (nothing is buffered on the bus itself, so no message can be read by anyone but the
 * listeners it was handed to). Redis trouble never fails a publisher: a message Redis could not
 * take is counted as dropped (`field="redis"`), and the listening connection subscribes again to
 * every channel it needs when it comes back.
 */
export class EventBus<T extends TopicMap> implements Bus<T>, BusFigures {
  /** Tells this instance's own messages, coming back from Redis, from those of other instances. */
  readonly instanceId = randomUUID();
  readonly drops = new DropCounts();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly local: ReadonlySet<string>;
  private readonly queues = new Set<{ readonly length: number }>();
  private listening = false;
  /** SUBSCRIBE commands Redis has not confirmed yet. */
  private readonly subscribing = new Set<Promise<unknown>>();

  /**
   * `localTopics` never leave the process (their messages need not survive JSON). `channelPrefix`
   * (REDIS_KEY_PREFIX) is put before every Redis channel: two deployments on one Redis (or two
   * test runs) never hear each other.
   */
  constructor(
    private readonly redis: RedisConnections | undefined,
    localTopics: readonly (keyof T & string)[] = [],
    private readonly channelPrefix = "",
  ) {
    this.local = new Set(localTopics);
  }

  publish<K extends keyof T & string>(topic: K, message: T[K], route?: string): void {
    const channel = channelOf(topic, route);
    this.deliver(channel, message);
    if (!this.redis || this.local.has(topic)) return;
    const envelope: Envelope = { o: this.instanceId, m: message };
    this.redis.commands.publish(this.channelPrefix + channel, JSON.stringify(envelope)).catch((error: Error) => {
      this.drops.add("redis", 1);
      this.redis?.failed(error, "publish");
    });
  }

  on<K extends keyof T & string>(topic: K, route: string | undefined, listener: (message: T[K]) => void): () => void {
    const channel = channelOf(topic, route);
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      if (!this.local.has(topic)) this.listen(channel);
    }
    const own = listener as Listener;
    set.add(own);
    return () => {
      const current = this.listeners.get(channel);
      if (!current?.delete(own) || current.size > 0) return;
      this.listeners.delete(channel);
      if (this.redis && !this.local.has(topic))
        this.redis
          .subscriber()
          .unsubscribe(this.channelPrefix + channel)
          .catch((error: Error) => this.redis?.failed(error, "unsubscribe"));
    };
  }

  stream<K extends keyof T & string, P>(
    topic: K,
    route: string | undefined,
    field: DropField,
    select: (message: T[K], push: (payload: P) => void) => void,
  ): SubscriberQueue<P> {
    let off = () => undefined as void;
    const queue = this.queue<P>(field, () => off());
    const push = (payload: P) => queue.push(payload);
    off = this.on(topic, route, (message) => select(message, push));
    return queue;
  }

  queue<P>(field: DropField, onClose?: () => void): SubscriberQueue<P> {
    const queue: SubscriberQueue<P> = new SubscriberQueue<P>(field, this.drops, () => {
      this.queues.delete(queue);
      onClose?.();
    });
    this.queues.add(queue);
    return queue;
  }

  queued(): { payloads: number; deepest: number } {
    let payloads = 0;
    let deepest = 0;
    for (const queue of this.queues) {
      payloads += queue.length;
      deepest = Math.max(deepest, queue.length);
    }
    return { payloads, deepest };
  }

  redisState(): RedisState {
    return this.redis ? this.redis.state() : "disabled";
  }

  dropped(): ReadonlyMap<DropField, number> {
    return this.drops.snapshot();
  }

  /** Hands the message to each listener of the channel; one listener's failure is not another's. */
  private deliver(channel: string, message: unknown): void {
    const set = this.listeners.get(channel);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(message);
      } catch {
        // A listener is a queue's push or a part's handler; neither may stop the others' delivery.
      }
    }
  }

  /** Subscribes the channel in Redis; the first call also starts reading the listening connection. */
  private listen(channel: string): void {
    if (!this.redis) return;
    const subscriber = this.redis.subscriber();
    if (!this.listening) {
      this.listening = true;
      subscriber.on("message", (raw: string, text: string) => this.received(raw, text));
      // ioredis subscribes again on reconnect, but not to a channel whose SUBSCRIBE was lost with the connection.
      subscriber.on("ready", () => {
        const channels = [...this.listeners.keys()].filter((name) => !this.local.has(topicOf(name)));
        if (channels.length > 0)
          subscriber
            .subscribe(...channels.map((name) => this.channelPrefix + name))
            .catch((error: Error) => this.redis?.failed(error, "subscribe"));
      });
    }
    const confirmed = subscriber.subscribe(this.channelPrefix + channel).catch((error: Error) => this.redis?.failed(error, "subscribe"));
    this.subscribing.add(confirmed);
    void confirmed.finally(() => this.subscribing.delete(confirmed));
  }

  /** Resolves once Redis has confirmed (or refused) every channel asked for so far: from then on, other instances' messages arrive. */
  async settled(): Promise<void> {
    await Promise.all([...this.subscribing]);
  }

  private received(raw: string, text: string): void {
    if (!raw.startsWith(this.channelPrefix)) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch {
      return; // not one of ours
    }
    if (envelope.o === this.instanceId) return; // handed to this instance's listeners when it was published
    this.deliver(raw.slice(this.channelPrefix.length), envelope.m);
  }
}

function channelOf(topic: string, route: string | undefined): string {
  return route === undefined ? topic : `${topic}:${route}`;
}

/** Topics hold no ':' (a route follows the first one). */
function topicOf(channel: string): string {
  const at = channel.indexOf(":");
  return at < 0 ? channel : channel.slice(0, at);
}
