import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build, BuildOptions } from "esbuild";
import { packageRoot } from "./ide-paths";

/**
 * Bundles one of the server's browser pages (the IDE, the key console) from node_modules into one
 * folder the server serves itself, with its `index.html`: the page references nothing outside the
 * server, so it works with no internet access.
 */
export async function buildBrowserBundle(
  outDir: string,
  entryPoints: Record<string, string>,
  page: string,
  extra: Pick<BuildOptions, "loader"> = {},
): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  await build({
    absWorkingDir: packageRoot(),
    entryPoints,
    outdir: outDir,
    bundle: true,
    // Classic scripts: the page loads one <script>, and Monaco starts workers with `new Worker(url)`.
    format: "iife",
    platform: "browser",
    target: "es2022",
    jsx: "automatic",
    minify: true,
    legalComments: "linked",
    logLevel: "warning",
    define: { "process.env.NODE_ENV": '"production"' },
    ...extra,
  });
  writeFileSync(join(outDir, "index.html"), page);
}

/** A build file run as a script (`npm run build:…`): says where the bundle went, or why it failed, with exit code 1. */
export function runBundleScript(what: string, buildBundle: () => Promise<void>, outDir: string): void {
  const started = Date.now();
  buildBundle().then(
    () => console.log(`grantql: ${what} bundle written to ${outDir} in ${Date.now() - started} ms`),
    (error) => {
      console.error(`grantql: ${what} build failed:`, error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
