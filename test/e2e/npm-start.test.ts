import { spawn } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { AddressInfo, connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * A copy of the project with the real package.json (so the real `start` script) whose
 * dist/src/main.js runs the TypeScript entry point, so the test needs no build.
 */
function projectCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "grantql-npm-start-"));
  copyFileSync(join(ROOT, "package.json"), join(dir, "package.json"));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  mkdirSync(join(dir, "dist", "src"), { recursive: true });
  const register = JSON.stringify(join(ROOT, "test", "usage", "ts-register.js"));
  writeFileSync(join(dir, "dist", "src", "main.js"), `require(${register});\nrequire(${JSON.stringify(join(ROOT, "src", "main.ts"))});\n`);
  return dir;
}

it("SIGTERM to the process `npm start` created stops the server gracefully: nothing is left holding the port", async () => {
  const dir = projectCopy();
  const port = await freePort();
  // --ignore-scripts skips only `prestart` (the build); `start` itself runs as the README says.
  const npm = spawn("npm", ["start", "--ignore-scripts"], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", SCRYPT_COST: "12", REDIS_URL: "", LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const listening = new Promise<void>((resolve) => {
    npm.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("grantql listening")) resolve();
    });
  });
  npm.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => npm.once("exit", (code) => resolve(code)));
  try {
    await listening;
    expect(await portAnswers(port)).toBe(true);
    npm.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output).toContain("stopped cleanly");
    expect(await portAnswers(port)).toBe(false);
  } finally {
    npm.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
