import { ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

export interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const ROOT = join(__dirname, "..", "..");

/**
 * The real entry point (`src/main.ts`) in a child process, as production runs it, on a free port;
 * resolves once it logs that it listens.
 */
export function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ["-r", join(__dirname, "ts-register.js"), join(ROOT, "src", "main.ts")], {
    cwd: ROOT,
    // Every test signs up and presents made-up tokens from 127.0.0.1, counted per address through Redis.
    env: {
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      SCRYPT_COST: "12",
      DB_POOL_MAX: "4",
      SIGNIN_IP_LOCK_AFTER: "100000",
      TOKEN_GUESS_LIMIT: "100000",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"port":(\d+)[^\n]*grantql listening/.exec(output);
      if (!match) return;
      child.stdout!.off("data", onData);
      child.stdout!.on("data", (more: Buffer) => (output += more.toString()));
      const port = Number(match[1]);
      resolve({
        url: `http://127.0.0.1:${port}/graphql`,
        port,
        child,
        output: () => output,
        stop: (signal = "SIGTERM") => {
          child.kill(signal);
          return exited;
        },
      });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${output}`)));
  });
}
