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
import { KeySpendService } from "./keys/key-spend.service";
import { createCostBuckets } from "./throttles/cost-bucket";
import { CreditPool } from "./throttles/credit-pool";
import { KeyCache } from "./keys/key-cache";
import { MembersService } from "./members/members.service";
import { UsageService } from "./usage/usage.service";
import { KeyUsageFeed } from "./usage/key-usage-feed";
import { AnalyticsService } from "./analytics/analytics.service";
import { createResourceServices, ResourceServices } from "./resources/resource-services";
import { SecurityAlerts } from "./alerts/security-alerts";
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
  verifier: Verifier;
  /** The process's one bus (src/bus/): every live message and key change, in-process or through Redis. */
  bus: EventBus<GrantqlTopics>;
  /** The process's Redis connections, with REDIS_URL. */
  redis: RedisConnections | undefined;
  usage: UsageService;
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
  /** Security alerts: stored once, streamed per workspace, raised from metering and an expiry scan. */
  alerts: SecurityAlerts;
  /** `POST /leaks`: reported keys are revoked and alerted on. */
  leaks: LeakReportService;
}

/** `logger` receives metering and Redis trouble; silent when omitted (scripts, unit tests). */
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
  const spends = new KeySpendService(db, clock, createCostBuckets(redis, clock), redis && new CreditPool(redis), bus);
  const apiKeys = new ApiKeyService(db, audit, clock, bus, spends);
  const keyCache = new KeyCache((digest) => apiKeys.findVerifiable(digest), config.keyCacheTtlMs);
  // A key changed here or on another instance is evicted here at once.
  keyCache.follow(bus);
  const tokenGuessThrottle = createTokenGuessThrottle(config.tokenGuess, redis, clock);
  const verifier = new Verifier(keyCache, { get: (digest) => members.findSession(digest) }, clock, tokenGuessThrottle);
  const usage = new UsageService(db, config, clock, logger, bus);
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
  const alerts = new SecurityAlerts(db, bus, usage, clock, logger, config.alertScanIntervalMs, spends);
  const leaks = new LeakReportService(db, apiKeys, alerts.service, clock, config.leakReportSecret);
  return {
    clock,
    db,
    audit,
    members,
    apiKeys,
    spends,
    keyCache,
    verifier,
    bus,
    redis,
    usage,
    usageFeed,
    resources: createResourceServices(db, clock),
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
 * Redis-backed counters and the Redis connections. The server calls it once drained; the CLI once its command is done.
 */
export async function closeServices(services: Services): Promise<void> {
  await services.alerts.close();
  await services.usage.close();
  await services.spends.close();
  await services.rateLimiter.close();
  await services.signInThrottle.close();
  await services.tokenGuessThrottle.close();
  services.redis?.close();
}
