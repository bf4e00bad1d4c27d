export default async function globalTeardown(): Promise<void> {
  const embedded = (globalThis as { __embedded?: { stop(): Promise<void> } }).__embedded;
  await embedded?.stop();
}
