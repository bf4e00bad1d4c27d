import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Runs `fn` while holding `path` (created exclusively, holding our pid), so processes sharing a
 * data directory take start/stop decisions one at a time. A lock left by a dead process is taken over.
 */
export async function withDirLock<T>(path: string, fn: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      writeFileSync(path, String(process.pid), { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(readIfExists(path).trim());
      if (owner && !processAlive(owner)) {
        rmSync(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${path} (held by pid ${owner || "?"})`);
      await sleep(50);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}

function readIfExists(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/**
 * The users of a shared embedded server: one file per handle, named `<pid>.<n>`. Call only under
 * the lock. `others()` drops entries of processes that died without leaving (kill -9).
 */
export class ClientRegistry {
  private static handles = 0;
  private static nextHandle(): number {
    ClientRegistry.handles += 1;
    return ClientRegistry.handles;
  }
  private readonly name = `${process.pid}.${ClientRegistry.nextHandle()}`;

  constructor(private readonly dir: string) {}

  join(): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, this.name), "");
  }

  leave(): void {
    rmSync(join(this.dir, this.name), { force: true });
  }

  others(): number[] {
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const alive: number[] = [];
    for (const name of names) {
      if (name === this.name) continue;
      const pid = Number(name.split(".")[0]);
      if (pid && processAlive(pid)) alive.push(pid);
      else rmSync(join(this.dir, name), { force: true });
    }
    return alive;
  }
}
