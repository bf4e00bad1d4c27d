import { getOperationAST, type ExecutionArgs, type GraphQLError } from "graphql";
import type { Metrics } from "./metrics";
import { outcomeOf } from "./metrics";

type SubscribeResult = ExecutionArgs | readonly GraphQLError[] | void;

/** What the graphql-ws adapter reports; `ctx` is graphql-ws's per-socket context object. */
export interface WebSocketObserver {
  /** connection_init refused: 4401 with the verifier's reason, or 4403. */
  connectionRefused(code: number, reason?: string): void;
  /** Wraps `onSubscribe` to see each operation start or be refused. */
  observeSubscribe<C extends object, P, R extends SubscribeResult>(onSubscribe: (ctx: C, id: string, payload: P) => Promise<R>): (ctx: C, id: string, payload: P) => Promise<R>;
  /** graphql-ws `onComplete`: an operation ended (by the client, the server, or its socket closing). */
  completed(ctx: object, id: string): void;
  /** graphql-ws `onClose`. */
  closed(ctx: object): void;
}

/** Feeds WebSocket operations into `metrics`, keeping the running-subscriptions gauge exact. */
export function webSocketObserver(metrics: Metrics): WebSocketObserver {
  // Per socket, the ids of subscriptions counted as running; guards against counting an end twice.
  const running = new WeakMap<object, Set<string>>();
  return {
    connectionRefused(code, reason) {
      metrics.webSocketRefused(code);
      if (code === 4401) metrics.authFailed("ws", reason ?? "MISSING");
    },
    observeSubscribe(onSubscribe) {
      return async (ctx, id, payload) => {
        const started = performance.now();
        const result = await onSubscribe(ctx, id, payload);
        const seconds = (performance.now() - started) / 1000;
        if (Array.isArray(result)) {
          const errors = result as readonly GraphQLError[];
          metrics.requestFinished("ws", undefined, outcomeOf(errors.map((e) => e.extensions?.code)), seconds);
          const refused = errors.find((e) => e.extensions?.code === "UNAUTHENTICATED");
          if (refused) metrics.authFailed("ws", refused.extensions.reason);
          return result;
        }
        const args = result as ExecutionArgs | undefined;
        const type = args ? getOperationAST(args.document, args.operationName)?.operation : undefined;
        metrics.requestFinished("ws", type, "success", seconds);
        if (type === "subscription") {
          const ids = running.get(ctx) ?? new Set<string>();
          running.set(ctx, ids.add(id));
          metrics.subscriptions.inc();
        }
        return result;
      };
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

/** `onSubscribe` observed when there is an observer, unchanged otherwise. */
export function observed<C extends object, P, R extends SubscribeResult>(
  observer: WebSocketObserver | undefined,
  onSubscribe: (ctx: C, id: string, payload: P) => Promise<R>,
): (ctx: C, id: string, payload: P) => Promise<R> {
  return observer ? observer.observeSubscribe(onSubscribe) : onSubscribe;
}
