import { join } from "node:path";
import { packageRoot } from "../ide/ide-paths";

/** Where `npm run build` writes the console page and its assets (git-ignored with the rest of dist/). */
export function consoleBundleDir(): string {
  return join(packageRoot(), "dist", "console");
}
