import { join } from "node:path";
import { buildBrowserBundle, runBundleScript } from "./browser-bundle";
import { ideBundleDir, packageRoot } from "./ide-paths";

/**
 * Bundles GraphiQL, the explorer plugin and Monaco's workers from node_modules into one folder
 * the server serves itself: the page references nothing outside the server, so the IDE works
 * with no internet access. Runs as part of `npm run build` (and so before `npm start`).
 */
export async function buildIde(outDir: string = ideBundleDir()): Promise<void> {
  const root = packageRoot();
  const entryPoints = {
    ide: join(root, "src/ide/client/ide-main.tsx"),
    "editor.worker": require.resolve("monaco-editor/esm/vs/editor/editor.worker.js", { paths: [root] }),
    "json.worker": require.resolve("monaco-editor/esm/vs/language/json/json.worker.js", { paths: [root] }),
    "graphql.worker": require.resolve("monaco-graphql/esm/graphql.worker.js", { paths: [root] }),
  };
  // Fonts referenced from CSS become files beside the bundle instead of URLs elsewhere.
  return buildBrowserBundle(outDir, entryPoints, IDE_PAGE, {
    loader: { ".ttf": "file", ".woff": "file", ".woff2": "file", ".svg": "file", ".png": "file" },
  });
}

// Relative asset URLs: the page is served at /graphql, its files under /ide/.
const IDE_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>grantql · GraphiQL</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="ide/ide.css" />
    <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
  </head>
  <body>
    <div id="graphiql">Loading the IDE…</div>
    <script src="ide/ide.js"></script>
  </body>
</html>
`;

if (require.main === module) runBundleScript("IDE", () => buildIde(), ideBundleDir());
