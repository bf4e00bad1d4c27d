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
  /** Each statement counted as sent: its text, the name it was prepared under ("" unnamed or simple query) and its Bind's parameters. */
  executed: ExecutedStatement[] = [];
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
    this.executed = [];
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
    let bound: ExecutedStatement = { name: "", text: "", values: [] };
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
        if (type === "B") bound = readBind(body, prepared);
        if (type === "Q" || type === "E") {
          const statement = type === "Q" ? { name: "", text: cString(body, 0), values: [] } : bound;
          this.statements++;
          this.texts.push(statement.text);
          this.executed.push(statement);
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

/** A statement as a client sent it: replayed by the benchmark's ceiling (`statement-load.ts`). */
export interface ExecutedStatement {
  /** The name it was prepared under, "" for an unnamed statement or a simple query. */
  name: string;
  text: string;
  /** Its parameters as bound: text, or a Buffer where the client bound a binary value; null for NULL. */
  values: (string | Buffer | null)[];
}

/** A Bind message: portal, statement, parameter formats, then each parameter (length, bytes; -1 for NULL). */
function readBind(body: Buffer, prepared: Map<string, string>): ExecutedStatement {
  let at = body.indexOf(0) + 1; // after the portal's name
  const name = cString(body, at);
  at = body.indexOf(0, at) + 1;
  const formatCount = body.readInt16BE(at);
  const formats = Array.from({ length: formatCount }, (_, i) => body.readInt16BE(at + 2 + 2 * i));
  at += 2 + 2 * formatCount;
  const valueCount = body.readInt16BE(at);
  at += 2;
  const values: ExecutedStatement["values"] = [];
  for (let i = 0; i < valueCount; i++) {
    const length = body.readInt32BE(at);
    at += 4;
    if (length < 0) {
      values.push(null);
      continue;
    }
    const bytes = Buffer.from(body.subarray(at, at + length));
    at += length;
    // One format code applies to every parameter; none means text.
    const binary = (formats.length === 1 ? formats[0] : (formats[i] ?? 0)) === 1;
    values.push(binary ? bytes : bytes.toString("utf8"));
  }
  return { name, text: prepared.get(name) ?? "", values };
}

function cString(buffer: Buffer, start: number): string {
  const end = buffer.indexOf(0, start);
  return buffer.toString("utf8", start, end < 0 ? buffer.length : end);
}
