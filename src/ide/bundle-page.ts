import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Response } from "express";
import type { Logger } from "../logger";

/**
 * A browser page's `index.html` from its built bundle, read on the first request and kept. Until
 * the bundle is built, the page answers 503 with what to run, and the server warns once.
 */
export function bundlePage(logger: Logger, bundleDir: string, names: { log: string; title: string }) {
  const pagePath = join(bundleDir, "index.html");
  let page: string | undefined;
  let warned = false;
  return (res: Response, headers: Record<string, string>): void => {
    page ??= existsSync(pagePath) ? readFileSync(pagePath, "utf8") : undefined;
    if (!page) {
      if (!warned) logger.warn({ bundleDir }, `${names.log} is not built; run \`npm run build\``);
      warned = true;
      res.status(503).type("text/plain").send(`${names.title} is not built on this server. Run \`npm run build\`, then restart.\n`);
      return;
    }
    res.set(headers);
    res.type("html").send(page);
  };
}
