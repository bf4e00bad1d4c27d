import WebSocket from "ws";

export interface WsMessage {
  type: string;
  id?: string;
  payload?: any;
}

/**
 * One graphql-transport-ws socket driven message by message: `next` waits for the next message
 * (or the close), so a test can send an operation, read its answer, and go on on the same socket.
 */
export class WsSession {
  private readonly queue: WsMessage[] = [];
  private waiting: ((m: WsMessage | null) => void) | null = null;
  private operations = 0;
  closeCode: number | null = null;

  private constructor(private readonly socket: WebSocket) {
    socket.on("message", (data) => this.push(JSON.parse(String(data))));
    socket.on("close", (code) => {
      this.closeCode = code;
      this.waiting?.(null);
      this.waiting = null;
    });
  }

  /** Opens a socket and sends connection_init; resolves once it is open (not acknowledged). */
  static open(url: string, token: string | undefined, headers: Record<string, string> = {}): Promise<WsSession> {
    const socket = new WebSocket(url, "graphql-transport-ws", { headers });
    return new Promise((resolve, reject) => {
      socket.once("error", reject);
      socket.once("open", () => {
        socket.send(JSON.stringify({ type: "connection_init", payload: token ? { authorization: `Bearer ${token}` } : {} }));
        resolve(new WsSession(socket));
      });
    });
  }

  private push(message: WsMessage): void {
    if (this.waiting) {
      const done = this.waiting;
      this.waiting = null;
      done(message);
    } else this.queue.push(message);
  }

  /** The next message, or null once the socket has closed. */
  next(): Promise<WsMessage | null> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.closeCode !== null) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /**
   * Sends one operation and resolves with its first answer (`next` or `error`), skipping nothing
   * else; `extra` adds members to the payload (`operationName`, `extensions`).
   */
  async run(query: string, variables?: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<WsMessage | null> {
    const id = String(++this.operations);
    this.socket.send(JSON.stringify({ type: "subscribe", id, payload: { query, variables, ...extra } }));
    for (;;) {
      const message = await this.next();
      if (message === null || (message.id === id && (message.type === "next" || message.type === "error"))) return message;
    }
  }

  /** Sends one raw protocol message (a subscription left running, a `complete`) without waiting for an answer. */
  send(message: WsMessage): void {
    this.socket.send(JSON.stringify(message));
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  close(): Promise<void> {
    if (this.closeCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once("close", () => resolve());
      this.socket.close(1000);
    });
  }
}
