import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import express, { Router } from "express";
import type { Logger } from "../logger";
import { consoleBundleDir } from "./console-paths";

/**
 * Only this server's own scripts, styles and socket. uPlot and React set styles through the DOM
 * (CSSOM), which a CSP does not restrict, so no 'unsafe-inline' is needed.
 */
export const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

const HEADERS = { "Content-Security-Policy": CONSOLE_CONTENT_SECURITY_POLICY, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer" };

/**
 * The key console on `GET /console` and its bundled assets under `/console/assets/`, mounted at
 * `/console`: static files only, and nothing here runs on a /graphql request.
 */
export function consoleRoutes(logger: Logger, bundleDir: string = consoleBundleDir()): Router {
  const router = Router();
  const pagePath = join(bundleDir, "index.html");
  let page: string | undefined;
  let warned = false;

  router.get("/", (_req, res) => {
    page ??= existsSync(pagePath) ? readFileSync(pagePath, "utf8") : undefined;
    if (!page) {
      if (!warned) logger.warn({ bundleDir }, "the console is not built; run `npm run build`");
      warned = true;
      res.status(503).type("text/plain").send("The key console is not built on this server. Run `npm run build`, then restart.\n");
      return;
    }
    res.set(HEADERS);
    res.type("html").send(page);
  });
  router.use("/assets", express.static(bundleDir, { index: false, setHeaders: (res) => res.set(HEADERS) }));
  return router;
}
