import { ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";
import type { ProbeReply } from "./server-probe";

export interface ServerProcess {
  url: string;
  port: number;
  pid: number;
  /** Resident memory of the server process, in MiB. */
  rssMiB(): number;
  /** Only on a server started with `{ probe: true }`: its heap after a forced GC and its subscribers' queues (`server-probe.ts`). */
  probe?(): Promise<ProbeReply>;
  stop(): Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((done) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => done(port));
    });
  });
}

/**
 * The built server (`dist/src/main.js`) in its own process, as it runs in production; with
 * `BENCH_DISABLE` in `env`, the benchmark's own entry point (`dist/bench/server.js`) instead, the
 * only one that reads it. With `probe`, the benchmark's entry point too (with nothing disabled
 * unless `BENCH_DISABLE` says so), started with `--expose-gc` and an IPC channel for `probe()`.
 */
export async function startServer(env: Record<string, string | undefined>, options: { probe?: boolean } = {}): Promise<ServerProcess> {
  const port = await freePort();
  const entry = env.BENCH_DISABLE || options.probe ? resolve(__dirname, "../server.js") : resolve(__dirname, "../../src/main.js");
  const child: ChildProcess = spawn(process.execPath, [...(options.probe ? ["--expose-gc"] : []), entry], {
    env: { ...process.env, LOG_LEVEL: "warn", NODE_ENV: "production", ...env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: options.probe ? ["ignore", "ignore", "inherit", "ipc"] : ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} during start`);
    if (
      await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) throw new Error("server not ready within 60 s");
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url: `${base}/graphql`,
    port,
    pid: child.pid!,
    rssMiB: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    probe: !options.probe
      ? undefined
      : () =>
          new Promise<ProbeReply>((done) => {
            const reply = (message: ProbeReply) => {
              if (message?.type !== "probe") return;
              child.off("message", reply);
              done(message);
            };
            child.on("message", reply);
            child.send({ type: "probe" });
          }),
    stop: async () => {
      child.kill("SIGTERM");
      return exited;
    },
  };
}
