import { join } from "node:path";
import { buildBrowserBundle, runBundleScript } from "../ide/browser-bundle";
import { packageRoot } from "../ide/ide-paths";
import { consoleBundleDir } from "./console-paths";

/**
 * Bundles the key console (React, graphql-ws, uPlot and the page's CSS) into one folder the
 * server serves itself, so the console works with no internet access. Part of `npm run build`.
 */
export async function buildConsole(outDir: string = consoleBundleDir()): Promise<void> {
  return buildBrowserBundle(outDir, { console: join(packageRoot(), "src/console/client/console-main.tsx") }, CONSOLE_PAGE);
}

// Served at /console; its files under /console/assets/.
const CONSOLE_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>grantql · Key console</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/console/assets/console.css" />
  </head>
  <body>
    <div id="console"><p class="page-loading">Loading the console…</p></div>
    <script src="/console/assets/console.js"></script>
  </body>
</html>
`;

if (require.main === module) runBundleScript("console", () => buildConsole(), consoleBundleDir());
