import { setMaxListeners } from "node:events";
import { randomUUID } from "node:crypto";
import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import { createPubSub, PubSub, SlidingBuffer } from "@graphql-yoga/subscription";
import Redis, { RedisOptions } from "ioredis";
import type { Logger } from "../logger";
import type { SecurityAlertMessage, UsageDigestEntry } from "./bus-messages";
import type { UsageBatch } from "./usage-batch";
import { countsAsUsage, UsageEventMessage, UsageEventRecord } from "./usage-event";

/**
 * Typed topics; every payload survives JSON, because with Redis it travels as JSON. Usage topics
 * are routed by workspace id, so a subscriber only ever receives its own workspace's messages.
 */
export type BusTopics = {
  /** Events of one committed flush for one workspace. */
  "grantql.usage.events": [workspaceId: string, payload: { events: readonly UsageEventMessage[] }];
  /** Keys whose counters changed in one committed flush. */
  "grantql.usage.changed": [workspaceId: string, payload: { apiKeyIds: string[] }];
  /** A key's state committed somewhere (update, revoke, rotate): drop it from every key cache. */
  "grantql.keys.changed": [payload: { keyId: string; origin: string }];
  /** A security alert, once stored, for the workspace's ADMIN and SECURITY members. */
  "grantql.alerts.raised": [workspaceId: string, payload: SecurityAlertMessage];
  /** Per committed flush of any instance: counted and refused requests per key and second, for usage alerts. */
  "grantql.usage.digest": [payload: { entries: UsageDigestEntry[] }];
};

// A subscriber that falls behind loses its oldest messages rather than growing memory.
const SUBSCRIBER_BUFFER = 1000;

/**
 * Live fan-out: in-process without `REDIS_URL`, through Redis pub/sub with it, so that several
 * instances act as one. Redis trouble never fails a request: publishes are dropped (and logged)
 * while Redis is away, ioredis reconnects on its own and re-subscribes every channel.
 */
export class UsageBus {
  readonly pubSub: PubSub<BusTopics>;
  /** Tells this instance's own key-change messages from those of other instances. */
  readonly instanceId = randomUUID();
  private readonly clients: Redis[] = [];
  private lastErrorLog = 0;
  private down = false;

  /**
   * `channelPrefix` (REDIS_KEY_PREFIX) is put before every pub/sub channel, as before every key: two
   * deployments on one Redis (or two test runs) never hear each other's digests, alerts or events.
   */
  constructor(
    redisUrl: string | undefined,
    private readonly logger: Logger,
    private readonly channelPrefix = "",
  ) {
    if (!redisUrl) {
      // One listener per subscriber on a topic: a thousand watchers of one key is expected, not a leak.
      const eventTarget = new EventTarget();
      setMaxListeners(0, eventTarget);
      this.pubSub = createPubSub<BusTopics>({ eventTarget, repeaterBuffer: new SlidingBuffer(SUBSCRIBER_BUFFER) });
      return;
    }
    // Publishing must fail fast while Redis is away, not queue without bound in ioredis.
    const publishClient = this.client(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    const subscribeClient = this.client(redisUrl, { maxRetriesPerRequest: null });
    const publisher = {
      publish: (channel: string, message: string) =>
        publishClient.publish(this.channelPrefix + channel, message).catch((error: Error) => this.redisError(error, "publish")),
    };
    this.pubSub = createPubSub<BusTopics>({
      eventTarget: createRedisEventTarget<never>({
        publishClient: publisher as unknown as Redis,
        subscribeClient: this.resilient(subscribeClient),
      }),
      repeaterBuffer: new SlidingBuffer(SUBSCRIBER_BUFFER),
    });
  }

  get distributed(): boolean {
    return this.clients.length > 0;
  }

  /** For health and metrics: "disabled" without REDIS_URL, else whether every connection is up. */
  redisState(): "disabled" | "ready" | "down" {
    if (!this.distributed) return "disabled";
    return this.clients.every((client) => client.status === "ready") ? "ready" : "down";
  }

  /** Publishes a committed batch: its events and which keys' counters changed, per workspace. */
  publishCommitted(batch: UsageBatch): void {
    // The committed records themselves, not copies: in-process subscribers read them as they
    // are, and through Redis JSON turns each time into its ISO string on the way.
    const records = batch.records();
    const workspaces = new Set(batch.shapes.map((shape) => shape.workspaceId));
    // One workspace (the common case) publishes the batch's records as they are; several are split.
    const byWorkspace = workspaces.size === 1 ? new Map([[batch.shapes[0].workspaceId, records]]) : byWorkspaceOf(records);
    for (const [workspaceId, list] of byWorkspace) {
      this.pubSub.publish("grantql.usage.events", workspaceId, { events: list });
      const counted = batch.shapes.filter((shape) => shape.workspaceId === workspaceId && countsAsUsage(shape.outcome));
      const apiKeyIds = [...new Set(counted.map((shape) => shape.apiKeyId))];
      if (apiKeyIds.length > 0) this.pubSub.publish("grantql.usage.changed", workspaceId, { apiKeyIds });
    }
  }

  /**
   * With Redis: every local key change is announced, and every change announced by another
   * instance evicts the key here, so a revocation is refused everywhere at once rather than after
   * the cache TTL. Without Redis there is nothing to relay.
   */
  relayKeyChanges(localChanges: Set<(keyId: string) => void>, evict: (keyId: string) => void): void {
    if (!this.distributed) return;
    localChanges.add((keyId) => this.pubSub.publish("grantql.keys.changed", { keyId, origin: this.instanceId }));
    const messages = this.pubSub.subscribe("grantql.keys.changed");
    void (async () => {
      for await (const message of messages) {
        if (message && message.origin !== this.instanceId) evict(message.keyId);
      }
    })();
    this.stopRelay = () => void messages.return();
  }

  async close(): Promise<void> {
    this.stopRelay();
    // Nothing is owed to Redis at shutdown (no queued writes), so do not wait for a goodbye.
    for (const client of this.clients) client.disconnect();
  }

  private stopRelay: () => void = () => undefined;

  /**
   * The subscriber as the event target sees it (channels without the prefix), with two repairs: a (un)subscribe that fails when
   * the connection drops is logged instead of becoming an unhandled rejection, and every wanted
   * channel is subscribed again on each reconnect, including one whose SUBSCRIBE was lost.
   */
  private resilient(client: Redis): Redis {
    const wanted = new Set<string>();
    const prefix = this.channelPrefix;
    client.on("ready", () => {
      if (wanted.size > 0) client.subscribe(...wanted).catch((error: Error) => this.redisError(error, "subscribe"));
    });
    const facade = {
      on: (event: "message", listener: (channel: string, message: string) => void) => {
        client.on(event, (channel, message) => {
          if (channel.startsWith(prefix)) listener(channel.slice(prefix.length), message);
        });
        return facade;
      },
      subscribe: (channel: string) => {
        wanted.add(prefix + channel);
        return client.subscribe(prefix + channel).catch((error: Error) => this.redisError(error, "subscribe"));
      },
      unsubscribe: (channel: string) => {
        wanted.delete(prefix + channel);
        return client.unsubscribe(prefix + channel).catch((error: Error) => this.redisError(error, "unsubscribe"));
      },
    };
    return facade as unknown as Redis;
  }

  private client(url: string, options: RedisOptions): Redis {
    const client = new Redis(url, { ...options, connectionName: "grantql" });
    client.on("error", (error) => this.redisError(error, "connection"));
    client.on("ready", () => {
      if (this.down) this.logger.info("redis is back; live events and key revocations flow across instances again");
      this.down = false;
    });
    this.clients.push(client);
    return client;
  }

  private redisError(error: Error, during: string): void {
    this.down = true;
    const now = Date.now();
    // Reconnection attempts fail every few hundred ms while Redis is away; one line per 10 s is enough.
    if (now - this.lastErrorLog < 10_000) return;
    this.lastErrorLog = now;
    this.logger.error(
      { err: { message: error.message }, during },
      "redis unavailable: live events pause across instances; requests are still served",
    );
  }
}

function byWorkspaceOf(records: readonly UsageEventRecord[]): Map<string, readonly UsageEventRecord[]> {
  const lists = new Map<string, UsageEventRecord[]>();
  for (const record of records) {
    const list = lists.get(record.workspaceId);
    if (list) list.push(record);
    else lists.set(record.workspaceId, [record]);
  }
  return lists;
}
