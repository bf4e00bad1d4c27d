import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { packageRoot } from "../ide/ide-paths";
import { consoleBundleDir } from "./console-paths";

/**
 * Bundles the key console (React, graphql-ws, uPlot and the page's CSS) into one folder the
 * server serves itself, so the console works with no internet access. Part of `npm run build`.
 */
export async function buildConsole(outDir: string = consoleBundleDir()): Promise<void> {
  const root = packageRoot();
  mkdirSync(outDir, { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: { console: join(root, "src/console/client/console-main.tsx") },
    outdir: outDir,
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    jsx: "automatic",
    minify: true,
    legalComments: "linked",
    logLevel: "warning",
    define: { "process.env.NODE_ENV": '"production"' },
  });
  writeFileSync(join(outDir, "index.html"), CONSOLE_PAGE);
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

if (require.main === module) {
  const started = Date.now();
  buildConsole().then(
    () => console.log(`grantql: console bundle written to ${consoleBundleDir()} in ${Date.now() - started} ms`),
    (error) => {
      console.error("grantql: console build failed:", error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
