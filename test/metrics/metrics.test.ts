import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { issueApiKeySecret } from "../../src/auth/token";
import { startMetricsServer } from "../../src/metrics/metrics-server";
import { dataOf, gql } from "../support/client";
import { createKey, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";

/** The value of one sample in Prometheus text, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? "").split(",");
    if (wanted.every((pair) => present.includes(pair))) return Number(match[3]);
  }
  return undefined;
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/plain");
  return response.text();
}

/** Polls a scrape until `ready` holds: gauges change with no event to wait on. Bounded at 5 s. */
async function scrapeUntil(url: string, ready: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const text = await scrape(url);
    if (ready(text) || Date.now() > deadline) return text;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe("metrics off the public port by default", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { METRICS_PUBLIC: "false" } });
  });
  afterAll(() => server.stop());

  it("GET /metrics on the public port answers 404 unless METRICS_PUBLIC=true", async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain("grantql_");
  });

  it("a separate METRICS_PORT listener serves /metrics and nothing else", async () => {
    const metrics = await startMetricsServer(server.app.metrics, 0, "127.0.0.1");
    try {
      const text = await scrape(`http://127.0.0.1:${metrics.port}/metrics`);
      expect(text).toContain("# TYPE grantql_graphql_requests_total counter");
      expect((await fetch(`http://127.0.0.1:${metrics.port}/graphql`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${metrics.port}/metrics`, { method: "POST" })).status).toBe(404);
    } finally {
      await metrics.close();
    }
  });
});

describe("metrics with METRICS_PUBLIC=true", () => {
  let server: TestServer;
  let metricsUrl: string;
  beforeAll(async () => {
    server = await startTestServer({ env: { METRICS_PUBLIC: "true" } });
    metricsUrl = `http://127.0.0.1:${server.port}/metrics`;
  });
  afterAll(() => server.stop());

  it("counts operations by type and outcome, with a latency histogram", async () => {
    const before = await scrape(metricsUrl);
    const admin = await signUp(server.url);
    const key = await createKey(server.url, admin.token, [{ resource: "CALLS", read: true }]);
    dataOf(await gql(server.url, "{ viewer { kind } }", {}, key.secret));
    // The key lacks AGENTS:READ: refused with 403 before execution.
    expect((await gql(server.url, "{ agents { totalCount } }", {}, key.secret)).status).toBe(403);
    const after = await scrape(metricsUrl);

    const delta = (labels: Record<string, string>) =>
      (sample(after, "grantql_graphql_requests_total", labels) ?? 0) - (sample(before, "grantql_graphql_requests_total", labels) ?? 0);
    expect(delta({ transport: "http", operation_type: "mutation", outcome: "success" })).toBe(2);
    expect(delta({ transport: "http", operation_type: "query", outcome: "success" })).toBe(1);
    expect(delta({ transport: "http", operation_type: "query", outcome: "forbidden" })).toBe(1);
    expect(
      sample(after, "grantql_graphql_request_duration_seconds_count", { transport: "http", operation_type: "query" }),
    ).toBeGreaterThanOrEqual(2);
    expect(after).toContain('grantql_graphql_request_duration_seconds_bucket{le="0.005",transport="http",operation_type="query"}');
  });

  it.each([
    ["MALFORMED", "Bearer gqk_not-a-key"],
    // Well formed, checksum right, but never issued.
    ["INVALID", `Bearer ${issueApiKeySecret().secret}`],
  ])("counts an HTTP authentication failure by its reason (%s)", async (reason, header) => {
    const before = sample(await scrape(metricsUrl), "grantql_auth_failures_total", { transport: "http", reason }) ?? 0;
    const response = await gql(server.url, "{ viewer { kind } }", {}, undefined, { authorization: header });
    expect(response.status).toBe(401);
    const after = await scrape(metricsUrl);
    expect(sample(after, "grantql_auth_failures_total", { transport: "http", reason })).toBe(before + 1);
  });

  it("reports each database pool (the requests', the reads', metering's), their maximum and the usage recorder's figures", async () => {
    // A read through the planner opens a connection of the reads' pool.
    const admin = await signUp(server.url);
    const key = await createKey(server.url, admin.token, [{ resource: "CALLS", read: true }]);
    expect(dataOf(await gql(server.url, "{ calls(first: 1) { totalCount } }", {}, key.secret)).calls.totalCount).toBe(0);
    const text = await scrape(metricsUrl);
    for (const pool of ["requests", "reads"]) {
      expect(sample(text, "grantql_db_pool_connections", { pool, state: "total" })).toBeGreaterThanOrEqual(1);
      expect(sample(text, "grantql_db_pool_connections", { pool, state: "idle" })).toBeGreaterThanOrEqual(0);
      expect(sample(text, "grantql_db_pool_connections", { pool, state: "waiting" })).toBe(0);
    }
    expect(sample(text, "grantql_db_pool_connections", { pool: "metering", state: "waiting" })).toBe(0);
    expect(sample(text, "grantql_db_pool_max")).toBe(server.config.dbPoolMax);
    for (const name of [
      "grantql_usage_buffer_depth",
      "grantql_usage_flush_lag_seconds",
      "grantql_usage_events_written_total",
      "grantql_usage_events_dropped_total",
      "grantql_usage_flush_failures_total",
    ]) {
      expect(sample(text, name)).toBeGreaterThanOrEqual(0);
    }
    expect(text).toContain("grantql_process_cpu_seconds_total");
  });

  it("counts events the usage recorder wrote once a key's requests are flushed", async () => {
    const admin = await signUp(server.url);
    const key = await createKey(server.url, admin.token);
    const written = sample(await scrape(metricsUrl), "grantql_usage_events_written_total") ?? 0;
    dataOf(await gql(server.url, "{ viewer { kind } }", {}, key.secret));
    const text = await scrapeUntil(metricsUrl, (t) => (sample(t, "grantql_usage_events_written_total") ?? 0) > written);
    expect(sample(text, "grantql_usage_events_written_total")).toBeGreaterThan(written);
  });

  it("gauges open WebSockets and running subscriptions, back to zero when the socket closes", async () => {
    const admin = await signUp(server.url);
    const key = await createKey(server.url, admin.token);
    const client = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${admin.token}` },
      retryAttempts: 0,
    });
    const first = new Promise<unknown>((resolve, reject) => {
      client.subscribe(
        { query: "subscription($id: ID) { apiKeyUsage(apiKeyId: $id) { usage { last24h } } }", variables: { id: key.id } },
        { next: resolve, error: reject, complete: () => undefined },
      );
    });
    expect(await first).toEqual({ data: { apiKeyUsage: { usage: { last24h: expect.any(Number) } } } });
    const open = await scrape(metricsUrl);
    expect(sample(open, "grantql_websocket_connections")).toBe(1);
    expect(sample(open, "grantql_subscriptions_active")).toBe(1);
    expect(sample(open, "grantql_graphql_requests_total", { transport: "ws", operation_type: "subscription", outcome: "success" })).toBe(1);

    await client.dispose();
    const closed = await scrapeUntil(
      metricsUrl,
      (t) => sample(t, "grantql_websocket_connections") === 0 && sample(t, "grantql_subscriptions_active") === 0,
    );
    expect(sample(closed, "grantql_websocket_connections")).toBe(0);
    expect(sample(closed, "grantql_subscriptions_active")).toBe(0);
  });

  it("counts a WebSocket refused at connect (4401) as an authentication failure", async () => {
    const before = sample(await scrape(metricsUrl), "grantql_auth_failures_total", { transport: "ws", reason: "MISSING" }) ?? 0;
    const socket = new WebSocket(server.wsUrl, "graphql-transport-ws");
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    socket.once("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: "Bearer " } })));
    expect(await closed).toBe(4401);
    const after = await scrape(metricsUrl);
    expect(sample(after, "grantql_auth_failures_total", { transport: "ws", reason: "MISSING" })).toBe(before + 1);
    expect(sample(after, "grantql_websocket_refused_total", { code: "4401" })).toBeGreaterThanOrEqual(1);
  });
});

describe("Redis state", () => {
  it("without REDIS_URL, Redis reads as not configured and not up", async () => {
    const server = await startTestServer({ env: { METRICS_PUBLIC: "true", REDIS_URL: "" } });
    try {
      const text = await scrape(`http://127.0.0.1:${server.port}/metrics`);
      expect(sample(text, "grantql_redis_configured")).toBe(0);
      expect(sample(text, "grantql_redis_up")).toBe(0);
    } finally {
      await server.stop();
    }
  });

  it("grantql_redis_up reads 1 once the Redis connections are ready", async () => {
    const server = await startTestServer({ env: { METRICS_PUBLIC: "true", REDIS_URL: process.env.REDIS_URL || "redis://127.0.0.1:6379" } });
    try {
      const url = `http://127.0.0.1:${server.port}/metrics`;
      const text = await scrapeUntil(url, (t) => sample(t, "grantql_redis_up") === 1);
      expect(sample(text, "grantql_redis_up")).toBe(1);
      expect(sample(text, "grantql_redis_configured")).toBe(1);
    } finally {
      await server.stop();
    }
  });
});
