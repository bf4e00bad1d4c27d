/**
 * Tells Monaco where its web workers live: files built next to this bundle (see build-ide.ts),
 * never a CDN, so the IDE works with no internet access. Imported first, because Monaco reads
 * `MonacoEnvironment` when it loads.
 */
const WORKERS: Record<string, string> = { json: "json.worker.js", graphql: "graphql.worker.js" };

// The page is served at /graphql and its assets at ./ide/, so a path prefix set by a reverse
// proxy (e.g. /api/graphql → /api/ide/) keeps working.
const base = new URL("ide/", window.location.href);

(globalThis as { MonacoEnvironment?: unknown }).MonacoEnvironment = {
  getWorker(_workerId: string, label: string): Worker {
    return new Worker(new URL(WORKERS[label] ?? "editor.worker.js", base));
  },
};

export {};
