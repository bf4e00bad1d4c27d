import { DataSource } from "typeorm";
import { EventBus } from "./bus/event-bus";
import { openRedis, RedisConnections } from "./bus/redis-connections";
import { GrantqlTopics, LOCAL_TOPICS } from "./usage/bus-messages";
import { AuditService } from "./audit/audit.service";
import { Verifier } from "./auth/verifier";
import { Clock } from "./common/clock";
import { Config } from "./config";
import { createLogger, Logger } from "./logger";
import { createRateLimiter, RateLimiter } from "./throttles/rate-limiter";
import { SignInThrottle } from "./throttles/sign-in-throttle";
import { createSignInThrottle } from "./throttles/sign-in-throttle-redis";
import type { TokenGuessThrottle } from "./throttles/token-guess-throttle";
import { createTokenGuessThrottle } from "./throttles/token-guess-throttle-redis";
import { ApiKeyService } from "./keys/api-key.service";
import { KeyCache } from "./keys/key-cache";
import { TrustedOperationsService } from "./keys/trusted-operations.service";
import { WorkspacePolicyService } from "./keys/workspace-policy";
import { MembersService } from "./members/members.service";
import type { Pool } from "pg";
import { dedicatedPool } from "./db/prepared-query";
import { publishCommitted, UsageService } from "./usage/usage.service";
import { UsageRecorder } from "./usage/usage-recorder";
import { UsageReader } from "./usage/usage-reader";
import { UsageEventLog } from "./usage/usage-event-log";
import { writeUsageBatch } from "./usage/usage-writer";
import { RetentionJob } from "./usage/retention-job";
import { KeyUsageFeed } from "./usage/key-usage-feed";
import { AnalyticsService } from "./analytics/analytics.service";
import { createResourceServices, ResourceServices } from "./resources/resource-services";
import { SecurityAlertService } from "./alerts/security-alert.service";
import { UsageAlertDetector } from "./alerts/usage-alert-detector";
import { ExpiryAlertJob } from "./alerts/expiry-alert-job";
import { CreditsLowWatch } from "./alerts/credits-low-watch";
import { KeySpendService } from "./keys/key-spend.service";
import { createCostBuckets } from "./throttles/cost-bucket";
import { CreditPool } from "./throttles/credit-pool";
import { LeakReportService } from "./leaks/leak-report.service";

/** Every domain service, wired once per process and handed to resolvers through the context. */
export interface Services {
  clock: Clock;
  db: DataSource;
  audit: AuditService;
  members: MembersService;
  apiKeys: ApiKeyService;
  /** Cost budgets and credits: taken on the request path, shared through Redis when REDIS_URL is set. */
  spends: KeySpendService;
  keyCache: KeyCache;
  /** The workspace's trusted operations: registered by ADMINs, sent by id, the lists keys are held to. */
  trustedOperations: TrustedOperationsService;
  /** What a workspace demands of its keys (lifetime, expiry, allowed addresses, trusted operations). */
  policy: WorkspacePolicyService;
  verifier: Verifier;
  /** The process's one bus (src/bus/): every live message and key change, in-process or through Redis. */
  bus: EventBus<GrantqlTopics>;
  /** The process's Redis connections, with REDIS_URL. */
  redis: RedisConnections | undefined;
  usage: UsageService;
  /** Metering's own connection for its flushes: a batch never waits behind requests for one of the pool's, nor holds one of theirs. */
  usageWriterPool: Pool;
  /** The read path's connections (DB_POOL_MAX of them, beside TypeORM's): every planned statement runs there with its generic plan. */
  readPool: Pool;
  /** Deletes expired usage rows and audit entries on a timer. */
  retention: RetentionJob;
  /** `apiKeyUsage` messages: one timer and one read of the counters per key and update, for all subscribers. */
  usageFeed: KeyUsageFeed;
  /** The six resources behind `@permission` (agents, contacts, leads, calls, documents, integrations). */
  resources: ResourceServices;
  analytics: AnalyticsService;
  /** Per-key request limits: shared through Redis when REDIS_URL is set, else per process. */
  rateLimiter: RateLimiter;
  /** Sign-in failure counters: shared through Redis when REDIS_URL is set, else per process. */
  signInThrottle: SignInThrottle;
  /** Unknown-token counts per client address: shared through Redis when REDIS_URL is set, else per process. */
  tokenGuessThrottle: TokenGuessThrottle;
  /** Security alerts: stored once and streamed per workspace (`service`), raised from metering (`detector`) and an expiry scan (`expiryJob`). */
  alerts: { service: SecurityAlertService; detector: UsageAlertDetector; expiryJob: ExpiryAlertJob; creditsLow: CreditsLowWatch };
  /** `POST /leaks`: reported keys are revoked and alerted on. */
  leaks: LeakReportService;
}

/**
 * Builds every service, wires them to each other and starts what runs in the background (the
 * metering flush, retention, the alert detector and expiry scan). `logger` receives metering and
 * Redis trouble; silent when omitted (scripts, unit tests).
 */
export function createServices(db: DataSource, config: Config, clock: Clock, logger: Logger = createLogger("silent")): Services {
  const audit = new AuditService(db, clock);
  const redis = openRedis(config.redisUrl, config.redisKeyPrefix, logger);
  const bus = new EventBus<GrantqlTopics>(redis, LOCAL_TOPICS, config.redisKeyPrefix);
  const signInThrottle = createSignInThrottle(config.signInThrottle, redis, clock);
  const members = new MembersService(
    db,
    audit,
    clock,
    {
      signupEnabled: config.signupEnabled,
      sessionTtlSeconds: config.sessionTtlSeconds,
      scryptCost: config.scryptCost,
      logger,
    },
    signInThrottle,
  );
  const trustedOperations = new TrustedOperationsService(db, audit, clock);
  const policy = new WorkspacePolicyService(db, audit);
  const spends = new KeySpendService(db, clock, createCostBuckets(redis, clock), redis && new CreditPool(redis), bus);
  const apiKeys = new ApiKeyService(db, audit, clock, bus, { trustedOperations, policy }, spends);
  const keyCache = new KeyCache((digest) => apiKeys.findVerifiable(digest), config.keyCacheTtlMs);
  // A key changed here or on another instance is evicted here at once.
  keyCache.follow(bus);
  const tokenGuessThrottle = createTokenGuessThrottle(config.tokenGuess, redis, clock);
  const verifier = new Verifier(keyCache, { get: (digest) => members.findSession(digest) }, clock, tokenGuessThrottle);
  // Metering: the recorder buffers events; a flush is written on metering's own connection, and
  // what it committed goes out on the bus (the live streams and the alert detector read it there).
  // A broken idle connection is replaced at the next flush; that flush's failure is logged and retried by the recorder.
  const usageWriterPool = dedicatedPool(db, (error) =>
    logger.warn({ err: error }, "usage writer connection lost; reconnecting at next flush"),
  );
  const recorder = new UsageRecorder(
    (batch) =>
      writeUsageBatch(db, batch, (fresh) => bus.publish("grantql.usage.fresh-addresses", { fresh, shapes: batch.shapes }), usageWriterPool),
    clock,
    logger,
    (batch) => publishCommitted(bus, batch),
    { flushIntervalMs: config.usageFlushIntervalMs, bufferMax: config.usageBufferMax },
  );
  // The planner's statements, prepared once per connection and planned once for every workspace (`dedicatedPool`).
  const readPool = dedicatedPool(db, (error) => logger.warn({ err: error }, "read path connection lost; reconnecting at next read"), {
    max: config.dbPoolMax,
    genericPlans: true,
  });
  const usage = new UsageService(recorder, new UsageReader(db), new UsageEventLog(db, config.usageRetentionDays, clock), clock);
  const retention = new RetentionJob(db, clock, logger, {
    retentionDays: config.usageRetentionDays,
    auditRetentionDays: config.auditRetentionDays,
  });
  retention.start();
  const usageFeed = new KeyUsageFeed(
    (workspaceId, listener) => bus.on("grantql.usage.changed", workspaceId, listener),
    async (workspaceId, apiKeyId) => {
      const [apiKey, counts, lastUsed] = await Promise.all([
        apiKeys.get(workspaceId, apiKeyId),
        usage.countsFor([apiKeyId]),
        usage.lastUsedFor([apiKeyId]),
      ]);
      return { apiKey, usage: counts.get(apiKeyId)!, lastUsedAt: lastUsed.get(apiKeyId) ?? null };
    },
    (onClose) => bus.queue("apiKeyUsage", onClose),
  );
  // Security alerts: one store; metering's detector and the expiry scan raise into it.
  const alertStore = new SecurityAlertService(db, bus, logger);
  const raise = alertStore.raise.bind(alertStore);
  const detector = new UsageAlertDetector(
    bus,
    raise,
    async (apiKeyId) => (await usage.countsFor([apiKeyId])).get(apiKeyId)?.last24h ?? 0,
    logger,
  );
  detector.start();
  const expiryJob = new ExpiryAlertJob(db, clock, alertStore, logger, config.alertScanIntervalMs);
  expiryJob.start();
  const creditsLow = new CreditsLowWatch(spends, raise, clock, logger);
  creditsLow.start();
  const alerts = { service: alertStore, detector, expiryJob, creditsLow };
  const leaks = new LeakReportService(db, apiKeys, alertStore, clock, config.leakReportSecret);
  return {
    clock,
    db,
    audit,
    members,
    apiKeys,
    spends,
    keyCache,
    trustedOperations,
    policy,
    verifier,
    bus,
    redis,
    usage,
    usageWriterPool,
    readPool,
    retention,
    usageFeed,
    resources: createResourceServices(db, clock, readPool),
    analytics: new AnalyticsService(db),
    rateLimiter: createRateLimiter(redis, clock),
    signInThrottle,
    tokenGuessThrottle,
    alerts,
    leaks,
  };
}

/**
 * Stops what the services run in the background and closes their connections, after the last
 * request: the alert detectors first (they read metering), then metering's final flush, then the
 * Redis-backed counters and the Redis connections. The server calls it once drained; the CLI once its command is done. Calling it again waits for the same close.
 */
export function closeServices(services: Services): Promise<void> {
  const closed = closing.get(services) ?? stopAll(services);
  closing.set(services, closed);
  return closed;
}

const closing = new WeakMap<Services, Promise<void>>();

async function stopAll(services: Services): Promise<void> {
  services.alerts.detector.stop();
  await services.alerts.creditsLow.stop();
  await services.alerts.expiryJob.stop();
  await services.retention.stop();
  // Writes every buffered event, then stops the flush timer.
  await services.usage.recorder.close();
  await services.usageWriterPool.end();
  await services.readPool.end();
  // Credits this process leased and did not spend go back to their balances.
  await services.spends.close();
  await services.rateLimiter.close();
  await services.signInThrottle.close();
  await services.tokenGuessThrottle.close();
  services.redis?.close();
}
