import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { ERROR_REASONS, ErrorCode } from "../common/errors";
import type { WebSocketServer } from "ws";
import { readPoolStats, readRedisState, readUsageStats, type MetricSources } from "./metric-sources";
import { collectProcessMetrics } from "./process-metrics";

export type Transport = "http" | "ws";

/** Error codes become outcome labels as they are; anything else is "error", so labels stay few. */
const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));
const OPERATION_TYPES = new Set(["query", "mutation", "subscription"]);
const AUTH_REASONS: ReadonlySet<string> = new Set(ERROR_REASONS[ErrorCode.UNAUTHENTICATED]);

/** The label of a request's outcome: "success" without an error, else the code of its first error. */
export function outcomeLabel(firstCode: string | undefined): string {
  if (firstCode === undefined) return "success";
  return KNOWN_CODES.has(firstCode) ? firstCode.toLowerCase() : "error";
}

/**
 * The Prometheus metrics of one server, in their own registry (so several servers in one process,
 * as in tests, do not collide). Request metrics are fed by the pipeline's outcome listener
 * (`server/metrics-listener.ts`) and the WebSocket observer; pool, Redis and usage figures are read when scraped.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<"transport" | "operation_type" | "outcome">;
  private readonly duration: Histogram<"transport" | "operation_type">;
  private readonly authFailures: Counter<"transport" | "reason">;
  private readonly wsRefused: Counter<"code">;
  private readonly connections: Gauge;
  readonly subscriptions: Gauge;
  private stopProcessMetrics = () => undefined as void;

  constructor(sources: MetricSources, options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) this.stopProcessMetrics = collectProcessMetrics(this.registry, "grantql_");
    this.requests = new Counter({
      name: "grantql_graphql_requests_total",
      help: "GraphQL operations by transport, operation type and outcome (success or the first error code, lower case)",
      labelNames: ["transport", "operation_type", "outcome"],
      registers,
    });
    this.duration = new Histogram({
      name: "grantql_graphql_request_duration_seconds",
      help: "Time from receiving a GraphQL operation to sending its response (WebSocket: to the subscription starting)",
      labelNames: ["transport", "operation_type"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.authFailures = new Counter({
      name: "grantql_auth_failures_total",
      help: "Refused credentials by transport and reason (MISSING, MALFORMED, INVALID, EXPIRED, REVOKED)",
      labelNames: ["transport", "reason"],
      registers,
    });
    this.wsRefused = new Counter({
      name: "grantql_websocket_refused_total",
      help: "WebSocket connections closed at connection_init, by close code",
      labelNames: ["code"],
      registers,
    });
    this.connections = new Gauge({ name: "grantql_websocket_connections", help: "Open WebSocket connections", registers });
    this.subscriptions = new Gauge({ name: "grantql_subscriptions_active", help: "Running GraphQL subscriptions", registers });
    registerSourceGauges(this.registry, sources);
  }

  /** One finished operation; `seconds` feeds the latency histogram. */
  requestFinished(transport: Transport, operationType: string | undefined, outcome: string, seconds?: number): void {
    const type = operationType && OPERATION_TYPES.has(operationType) ? operationType : "unknown";
    this.requests.inc({ transport, operation_type: type, outcome });
    if (seconds !== undefined) this.duration.observe({ transport, operation_type: type }, seconds);
  }

  authFailed(transport: Transport, reason: unknown): void {
    this.authFailures.inc({ transport, reason: typeof reason === "string" && AUTH_REASONS.has(reason) ? reason : "OTHER" });
  }

  webSocketRefused(code: number): void {
    this.wsRefused.inc({ code: String(code) });
  }

  /** Counts every socket the server accepts until it closes, whether or not it authenticates. */
  watch(wsServer: WebSocketServer): void {
    wsServer.on("connection", (socket) => {
      this.connections.inc();
      socket.once("close", () => this.connections.dec());
    });
  }

  /** Stops what the process metrics keep running (the event-loop delay monitor, the GC observer): a stopped server leaves nothing behind that holds it. */
  close(): void {
    this.stopProcessMetrics();
  }

  /** The exposition text and its content type, for a scrape. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** Figures owned elsewhere (the pg pool, Redis, the usage recorder), read at scrape time. */
function registerSourceGauges(registry: Registry, sources: MetricSources): void {
  const registers = [registry];
  new Gauge({
    name: "grantql_db_pool_connections",
    help: "Database pool connections per pool (requests: TypeORM's; reads: the planner's; metering: the usage writer's): total open, idle, and callers waiting for one",
    labelNames: ["pool", "state"],
    registers,
    collect() {
      this.reset();
      for (const [pool, stats] of Object.entries(readPoolStats(sources))) {
        this.set({ pool, state: "total" }, stats.totalCount);
        this.set({ pool, state: "idle" }, stats.idleCount);
        this.set({ pool, state: "waiting" }, stats.waitingCount);
      }
    },
  });
  new Gauge({
    name: "grantql_db_pool_max",
    help: "Most connections the requests' pool and the reads' pool each open (DB_POOL_MAX)",
    registers,
    collect() {
      this.set(sources.poolMax ?? 0);
    },
  });
  new Gauge({
    name: "grantql_redis_configured",
    help: "1 when REDIS_URL is set (live events and revocations fan out through Redis), else 0",
    registers,
    collect() {
      this.set(readRedisState(sources) === "disabled" ? 0 : 1);
    },
  });
  new Gauge({
    name: "grantql_redis_up",
    help: "1 when every Redis connection is ready; 0 while any is down, or without REDIS_URL",
    registers,
    collect() {
      this.set(readRedisState(sources) === "ready" ? 1 : 0);
    },
  });
  type Stats = NonNullable<ReturnType<typeof readUsageStats>>;
  // Read from the recorder at scrape time; without one the metric has no sample.
  const fromUsage = <M extends Gauge | Counter>(apply: (metric: M, stats: Stats) => void) =>
    function collect(this: M) {
      const stats = readUsageStats(sources);
      this.reset();
      if (stats) apply(this, stats);
    };
  const usageGauge = (name: string, help: string, read: (s: Stats) => number) =>
    new Gauge({ name, help, registers, collect: fromUsage<Gauge>((gauge, stats) => gauge.set(read(stats))) });
  // The recorder keeps these totals itself; mirroring them at scrape time keeps one source of truth.
  const usageCounter = (name: string, help: string, read: (s: Stats) => number) =>
    new Counter({ name, help, registers, collect: fromUsage<Counter>((counter, stats) => counter.inc(Math.max(0, read(stats)))) });
  usageGauge(
    "grantql_usage_buffer_depth",
    "Usage events waiting in memory for the next flush (lost if the process crashes)",
    (s) => s.bufferDepth,
  );
  usageGauge(
    "grantql_usage_flush_lag_seconds",
    "Last successful usage flush: from its oldest event being recorded to its commit",
    (s) => s.lastFlushLagMs / 1000,
  );
  usageCounter("grantql_usage_events_written_total", "Usage events written to the database since start", (s) => s.eventsWritten);
  usageCounter(
    "grantql_usage_events_dropped_total",
    "Usage events dropped because the buffer was full, since start",
    (s) => s.eventsDropped,
  );
  new Gauge({
    name: "grantql_subscription_queued_payloads",
    help: "Payloads waiting in subscribers' own queues for their sockets (state: total, or deepest for the fullest queue; each is bounded at 10,000)",
    labelNames: ["state"],
    registers,
    collect() {
      this.reset();
      const queued = sources.bus?.queued();
      if (!queued) return;
      this.set({ state: "total" }, queued.payloads);
      this.set({ state: "deepest" }, queued.deepest);
    },
  });
  // The bus keeps its totals; what a scrape adds is what was dropped since the last one.
  const reported = new Map<string, number>();
  new Counter({
    name: "grantql_subscription_messages_dropped_total",
    help: "Payloads a subscriber lost because its queue was full (field: its stream), or lost between instances while Redis was away (field: redis)",
    labelNames: ["field"],
    registers,
    collect() {
      for (const [field, total] of sources.bus?.dropped() ?? []) {
        const delta = total - (reported.get(field) ?? 0);
        if (delta > 0) this.inc({ field }, delta);
        reported.set(field, total);
      }
    },
  });
  usageCounter("grantql_usage_flush_failures_total", "Failed usage flushes (retried with backoff) since start", (s) => s.flushFailures);
}
