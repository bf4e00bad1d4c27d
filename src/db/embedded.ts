import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

/**
 * The embedded PostgreSQL: PGlite under a data directory, served over the PostgreSQL wire
 * protocol on a loopback port, so the application always talks to its database through pg and
 * TypeORM, embedded or not.
 */
export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export class DataDirInUseError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `the embedded database in ${dataDir} is in use by a running grantql server (pid ${pid}); ` +
        `stop it first, or point DATABASE_URL at a PostgreSQL server that both can share`,
    );
    this.name = "DataDirInUseError";
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * PGlite holds its data directory alone: a second process opening it would corrupt it. A lock
 * file with the owner's pid turns that into a clear refusal; a lock left by a dead process is taken over.
 */
function takeLock(dataDir: string): () => void {
  const lockPath = resolve(dataDir, "grantql.lock");
  try {
    const owner = Number(readFileSync(lockPath, "utf8").trim());
    if (owner && owner !== process.pid && processAlive(owner)) throw new DataDirInUseError(dataDir, owner);
  } catch (error) {
    if (error instanceof DataDirInUseError) throw error;
  }
  writeFileSync(lockPath, String(process.pid));
  return () => rmSync(lockPath, { force: true });
}

export async function startEmbeddedDatabase(dataDir: string, maxConnections: number): Promise<EmbeddedDatabase> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const releaseLock = takeLock(dir);
  try {
    const { PGlite } = await import("@electric-sql/pglite");
    const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
    // pg_trgm backs the resources' text-match indexes (migration 1764200000000), as on PostgreSQL.
    const { pg_trgm } = await import("@electric-sql/pglite/contrib/pg_trgm");
    const db = await PGlite.create(resolve(dir, "pgdata"), { extensions: { pg_trgm } });
    // The socket server's default of one connection resets every pooled connection but the first.
    const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: maxConnections + 2 });
    await server.start();
    return {
      url: `postgres://postgres@${server.getServerConn()}/postgres`,
      async stop() {
        await server.stop();
        await db.close();
        releaseLock();
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}
