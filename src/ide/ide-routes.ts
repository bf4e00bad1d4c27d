import express, { Request, Router } from "express";
import { bundlePage } from "./bundle-page";
import type { Logger } from "../logger";
import { ideBundleDir } from "./ide-paths";

/**
 * Only what the page needs, and only from this server: a browser told to fetch a script, font,
 * worker or socket anywhere else refuses. Monaco sets inline styles, hence 'unsafe-inline' for
 * styles only.
 */
export const IDE_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

/**
 * GraphiQL on `GET /graphql` for a browser (Accept prefers text/html) and its bundled assets
 * under `/ide/`. Every other request to /graphql falls through to Apollo unchanged. Mount before
 * the Apollo middleware.
 */
export function ideRoutes(logger: Logger, bundleDir: string = ideBundleDir()): Router {
  const router = Router();
  const sendPage = bundlePage(logger, bundleDir, { log: "the IDE", title: "The GraphQL IDE" });

  // A bare host and a trailing slash lead to the endpoint: the page's relative URLs resolve only from /graphql.
  router.get(["/", "/graphql/"], (req, res, next) => {
    if (req.path !== "/" && req.path !== "/graphql/") return next();
    const query = req.originalUrl.indexOf("?");
    res.redirect(302, `/graphql${query < 0 ? "" : req.originalUrl.slice(query)}`);
  });
  router.get("/graphql", (req, res, next) => {
    if (!prefersHtml(req)) return next();
    sendPage(res, {
      "Content-Security-Policy": IDE_CONTENT_SECURITY_POLICY,
      "Cache-Control": "no-cache",
      "X-Content-Type-Options": "nosniff",
      Vary: "Accept",
    });
  });
  // Fixed file names, so revalidate each load (cheap with ETag) rather than cache for ever.
  router.use(
    "/ide",
    express.static(bundleDir, {
      index: false,
      setHeaders: (res) =>
        res.set({
          "Cache-Control": "no-cache",
          "Content-Security-Policy": IDE_CONTENT_SECURITY_POLICY,
          "X-Content-Type-Options": "nosniff",
        }),
    }),
  );
  return router;
}

/** A browser navigation, not an API client: text/html outranks every JSON type in Accept. */
function prefersHtml(req: Request): boolean {
  return req.accepts(["application/json", "application/graphql-response+json", "text/html"]) === "text/html";
}
