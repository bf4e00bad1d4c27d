import { readFileSync } from "node:fs";
import { join } from "node:path";

// semver ships without types; only these two functions are used.
const semver = require("semver") as {
  satisfies(version: string, range: string): boolean;
  minVersion(range: string): { version: string } | null;
};

const ROOT = join(__dirname, "..", "..");

it("every locked package runs on the oldest Node.js that package.json's engines admits (no EBADENGINE on npm ci)", () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8"));
  const oldest = semver.minVersion(manifest.engines.node)!.version;
  const refusing = Object.entries(lock.packages as Record<string, { engines?: { node?: string }; optional?: boolean; os?: string[] }>)
    .filter(([, entry]) => typeof entry.engines?.node === "string" && !semver.satisfies(oldest, entry.engines.node))
    .map(([path, entry]) => `${path} (node ${entry.engines!.node})`);
  expect(refusing).toEqual([]);
});
