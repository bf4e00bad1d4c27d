import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * The package root, found by walking up from this file: the same answer whether it runs from
 * `src/` (tests, through @swc/jest) or from `dist/src/` (after `npm run build`).
 */
export function packageRoot(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

/** Where `npm run build` writes the IDE page and its assets (git-ignored with the rest of dist/). */
export function ideBundleDir(): string {
  return join(packageRoot(), "dist", "ide");
}
