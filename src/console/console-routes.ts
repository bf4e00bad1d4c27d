import express, { Router } from "express";
import { bundlePage } from "../ide/bundle-page";
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

const HEADERS = {
  "Content-Security-Policy": CONSOLE_CONTENT_SECURITY_POLICY,
  "Cache-Control": "no-cache",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

/**
 * The key console on `GET /console` and its bundled assets under `/console/assets/`, mounted at
 * `/console`: static files only, and nothing here runs on a /graphql request.
 */
export function consoleRoutes(logger: Logger, bundleDir: string = consoleBundleDir()): Router {
  const router = Router();
  const sendPage = bundlePage(logger, bundleDir, { log: "the console", title: "The key console" });
  router.get("/", (_req, res) => sendPage(res, HEADERS));
  router.use("/assets", express.static(bundleDir, { index: false, setHeaders: (res) => res.set(HEADERS) }));
  return router;
}
