import { createServer, Server } from "node:http";
import type { RequestHandler } from "express";
import type { Metrics } from "./metrics";

/** `GET /metrics` as an express handler, for the public port when METRICS_PUBLIC=true. */
export function metricsHandler(metrics: Metrics): RequestHandler {
  return async (_req, res, next) => {
    try {
      const { contentType, body } = await metrics.scrape();
      res.set("Cache-Control", "no-store").type(contentType).send(body);
    } catch (error) {
      next(error);
    }
  };
}

/**
 * A second listener that serves only `GET /metrics` (METRICS_PORT), so Prometheus can scrape on
 * an internal port while the public one never exposes operational figures.
 */
export async function startMetricsServer(
  metrics: Metrics,
  port: number,
  host?: string,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics" || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not found\n");
      return;
    }
    try {
      const { contentType, body } = await metrics.scrape();
      res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" }).end(req.method === "HEAD" ? undefined : body);
    } catch {
      res.writeHead(500, { "content-type": "text/plain" }).end("metrics collection failed\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    server,
    port: typeof address === "object" && address ? address.port : port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
