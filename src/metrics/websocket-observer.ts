import type { Metrics } from "./metrics";

/**
 * What the graphql-ws adapter reports besides requests (which every transport reports through the
 * request pipeline's outcome); `ctx` is graphql-ws's per-socket context object.
 */
export interface WebSocketObserver {
  /** connection_init refused with this close code. */
  connectionRefused(code: number): void;
  /** A subscription's source stream started. */
  subscriptionStarted(ctx: object, id: string): void;
  /** graphql-ws `onComplete`: an operation ended (by the client, the server, or its socket closing). */
  completed(ctx: object, id: string): void;
  /** graphql-ws `onClose`. */
  closed(ctx: object): void;
}

/** Feeds WebSocket connection and subscription figures into `metrics`, keeping the running-subscriptions gauge exact. */
export function webSocketObserver(metrics: Metrics): WebSocketObserver {
  // Per socket, the ids of subscriptions counted as running; guards against counting an end twice.
  const running = new WeakMap<object, Set<string>>();
  return {
    connectionRefused: (code) => metrics.webSocketRefused(code),
    subscriptionStarted(ctx, id) {
      const ids = running.get(ctx) ?? new Set<string>();
      if (ids.has(id)) return;
      running.set(ctx, ids.add(id));
      metrics.subscriptions.inc();
    },
    completed(ctx, id) {
      if (running.get(ctx)?.delete(id)) metrics.subscriptions.dec();
    },
    closed(ctx) {
      const ids = running.get(ctx);
      if (ids?.size) metrics.subscriptions.dec(ids.size);
      running.delete(ctx);
    },
  };
}
