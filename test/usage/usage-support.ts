import { Client, createClient } from "graphql-ws";
import WebSocket from "ws";
import { dataOf, gql } from "../support/client";

/** A graphql-ws client that never retries, so a close code reaches the test as it was sent. */
export function wsClient(wsUrl: string, token?: string, onClosed?: (code: number) => void): Client {
  return createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
    connectionParams: token === undefined ? {} : { authorization: `Bearer ${token}` },
    on: { closed: (event) => onClosed?.((event as { code: number }).code) },
  });
}

/** The close code of a bare graphql-transport-ws connection attempt with this token (4401, 4403, …). */
export function closeCodeOf(wsUrl: string, token: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, "graphql-transport-ws");
    socket.on("open", () =>
      socket.send(JSON.stringify({ type: "connection_init", payload: token === undefined ? {} : { authorization: `Bearer ${token}` } })),
    );
    socket.on("close", (code) => resolve(code));
    socket.on("error", reject);
  });
}

export interface Received<T> {
  at: number;
  value: T;
}

/**
 * A subscription as a queue: `next()` waits for the next message (or fails after `timeoutMs`),
 * so tests wait on events rather than sleeping.
 */
export class SubscriptionQueue<T = any> {
  private readonly items: Received<{ data?: T; errors?: any[] }>[] = [];
  private waiters: (() => void)[] = [];
  error: unknown;
  completed = false;
  readonly unsubscribe: () => void;

  constructor(client: Client, query: string, variables: Record<string, unknown> = {}) {
    const wake = () => {
      const waiters = this.waiters;
      this.waiters = [];
      waiters.forEach((w) => w());
    };
    this.unsubscribe = client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          this.items.push({ at: performance.now(), value: value as { data?: T; errors?: any[] } });
          wake();
        },
        error: (error) => {
          this.error = error;
          wake();
        },
        complete: () => {
          this.completed = true;
          wake();
        },
      },
    );
  }

  async next(timeoutMs = 5000): Promise<Received<{ data?: T; errors?: any[] }>> {
    const deadline = performance.now() + timeoutMs;
    while (this.items.length === 0) {
      if (this.error || this.completed) throw new Error(`subscription ended: ${JSON.stringify(this.error ?? "complete")}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no message within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.items.shift()!;
  }

  async data(timeoutMs?: number): Promise<T> {
    const item = await this.next(timeoutMs);
    if (item.value.errors) throw new Error(`subscription errors: ${JSON.stringify(item.value.errors)}`);
    return item.value.data as T;
  }

  /** Resolves when the subscription fails or completes; yields the error, if any. */
  async ended(timeoutMs = 5000): Promise<unknown> {
    const deadline = performance.now() + timeoutMs;
    while (!this.error && !this.completed) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`subscription still open after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.error;
  }
}

export const USAGE_QUERY = `query($id: ID!) { apiKey(id: $id) { lastUsedAt usage { last24h last7d last30d } } }`;

export async function usageOf(
  url: string,
  adminToken: string,
  keyId: string,
): Promise<{ last24h: number; last7d: number; last30d: number }> {
  return dataOf(await gql(url, USAGE_QUERY, { id: keyId }, adminToken)).apiKey.usage;
}

export const ALLOWED_QUERY = "query Allowed { viewer { kind } }";
/** Needs LEADS READ, which the test keys lack. */
export const FORBIDDEN_QUERY = "query Forbidden { leads { totalCount } }";
