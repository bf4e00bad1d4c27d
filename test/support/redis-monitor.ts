import { connect, Socket } from "node:net";

/**
 * Redis's MONITOR on a connection of its own: every command Redis receives, as its arguments, from
 * the moment `start` resolves. Not ioredis's `monitor()`, which starts treating replies as monitor
 * lines only once it has handled MONITOR's OK. A command that Redis shows in the same read as that OK
 * is then taken for a reply nobody waits for, and the monitor fails ("Command queue state error").
 */
export class RedisMonitor {
  /** Who waits for a command to be shown (`shown`), each with its test. */
  private readonly waiting = new Set<{ match: (args: string[]) => boolean; resolve: () => void }>();

  private constructor(private readonly socket: Socket) {}

  /** Monitors the Redis at `url` (`redis://[:password@]host[:port]`), each command given to `onCommand`. */
  static start(url: string, onCommand: (args: string[]) => void): Promise<RedisMonitor> {
    const parsed = new URL(url);
    const password = decodeURIComponent(parsed.password);
    const socket = connect(Number(parsed.port || 6379), parsed.hostname);
    const commands = [...(password ? [["AUTH", password]] : []), ["MONITOR"]];
    let awaitingOk = commands.length;
    let buffered = "";
    const monitor = new RedisMonitor(socket);
    return new Promise((resolve, reject) => {
      // After it started, an error of the socket (Redis gone) ends the monitor, nothing more: reject is then a no-op.
      socket.on("error", reject);
      socket.on("close", () => reject(new Error("Redis closed the connection before MONITOR started")));
      socket.on("connect", () => socket.write(commands.map(encodeCommand).join("")));
      socket.setEncoding("latin1");
      socket.on("data", (chunk: string) => {
        buffered += chunk;
        for (let end = buffered.indexOf("\r\n"); end >= 0; end = buffered.indexOf("\r\n")) {
          const line = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          if (awaitingOk > 0) {
            if (line !== "+OK") {
              socket.destroy();
              reject(new Error(`Redis refused the monitor: ${line}`));
              return;
            }
            awaitingOk -= 1;
            if (awaitingOk === 0) resolve(monitor);
          } else if (line.startsWith("+")) {
            const args = monitorArguments(line);
            onCommand(args);
            monitor.showed(args);
          }
        }
      });
    });
  }

  /**
   * Once a command that `match` accepts is shown (after `onCommand` had it). Asked before the command is sent:
   * Redis shows a client's commands in the order it sent them, so a marker sent after others on the same
   * connection, once shown, means they have all been shown.
   */
  shown(match: (args: string[]) => boolean): Promise<void> {
    return new Promise((resolve) => this.waiting.add({ match, resolve }));
  }

  private showed(args: string[]): void {
    for (const waiter of this.waiting)
      if (waiter.match(args)) {
        this.waiting.delete(waiter);
        waiter.resolve();
      }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A command as RESP writes it (an array of bulk strings). */
function encodeCommand(args: string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join("")}`;
}

const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", a: "\u0007", b: "\b", '"': '"', "\\": "\\" };

/** The arguments of a MONITOR line (`+1796587705.569842 [0 127.0.0.1:40426] "exists" "a\"b"`), unquoted as Redis quoted them. */
export function monitorArguments(line: string): string[] {
  const args: string[] = [];
  let at = line.indexOf("] ") + 2;
  while (at > 1 && at < line.length) {
    if (line[at] === " ") {
      at += 1;
      continue;
    }
    if (line[at] !== '"') throw new Error(`Unexpected MONITOR line: ${line}`);
    let arg = "";
    for (at += 1; line[at] !== '"'; at += 1) {
      if (at >= line.length) throw new Error(`Unterminated argument in MONITOR line: ${line}`);
      if (line[at] !== "\\") arg += line[at];
      else if (line[at + 1] === "x") {
        arg += String.fromCharCode(Number.parseInt(line.slice(at + 2, at + 4), 16));
        at += 3;
      } else {
        arg += ESCAPES[line[at + 1]] ?? line[at + 1];
        at += 1;
      }
    }
    args.push(arg);
    at += 1;
  }
  return args;
}
