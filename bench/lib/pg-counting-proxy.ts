import { createServer, Server, Socket, connect } from "node:net";

/**
 * A TCP proxy in front of PostgreSQL that counts the SQL statements a server sends: simple-query
 * ('Q') and extended-protocol execute ('E') messages. It reads the wire protocol from outside the
 * process under test, so the count cannot be flattered by the code it measures.
 */
export class PgCountingProxy {
  statements = 0;
  /** The text of each statement counted, in order (for an Execute, the text its Bind's statement was parsed with). */
  texts: string[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<number> {
    this.server = createServer((client) => this.pipe(client));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return (this.server.address() as { port: number }).port;
  }

  reset(): void {
    this.statements = 0;
    this.texts = [];
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private pipe(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    this.sockets.add(client).add(upstream);
    let buffer = Buffer.alloc(0);
    let startup = true;
    // Statement name → text (Parse), and the statement the next Execute runs (Bind names it).
    const prepared = new Map<string, string>();
    let bound = "";
    client.on("data", (chunk: Buffer) => {
      upstream.write(chunk);
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (startup) {
          // The startup (and SSL request) messages have no type byte: length first.
          if (buffer.length < 4) break;
          const length = buffer.readInt32BE(0);
          if (buffer.length < length) break;
          const code = buffer.readInt32BE(4);
          buffer = buffer.subarray(length);
          if (code !== 80877103) startup = false; // after an SSLRequest the real startup follows
          continue;
        }
        if (buffer.length < 5) break;
        const length = buffer.readInt32BE(1);
        if (buffer.length < length + 1) break;
        const type = String.fromCharCode(buffer[0]);
        const body = buffer.subarray(5, length + 1);
        if (type === "P") prepared.set(cString(body, 0), cString(body, body.indexOf(0) + 1)); // name, then text
        if (type === "B") bound = prepared.get(cString(body, body.indexOf(0) + 1)) ?? ""; // portal, then statement
        if (type === "Q" || type === "E") {
          this.statements++;
          this.texts.push(type === "Q" ? cString(body, 0) : bound);
        }
        buffer = buffer.subarray(length + 1);
      }
    });
    upstream.on("data", (chunk) => client.write(chunk));
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on("close", close).on("error", close);
    upstream.on("close", close).on("error", close);
  }
}

function cString(buffer: Buffer, start: number): string {
  const end = buffer.indexOf(0, start);
  return buffer.toString("utf8", start, end < 0 ? buffer.length : end);
}
