import { rmSync } from "node:fs";

export default async function globalTeardown(): Promise<void> {
  const state = globalThis as { __embedded?: { stop(): Promise<void> }; __embeddedDir?: string };
  await state.__embedded?.stop();
  if (state.__embeddedDir) rmSync(state.__embeddedDir, { recursive: true, force: true });
}
