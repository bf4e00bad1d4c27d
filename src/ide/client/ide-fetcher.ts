import { createGraphiQLFetcher, type Fetcher, type FetcherOpts, type FetcherParams } from "@graphiql/toolkit";
import { getOperationAST, parse, type DocumentNode, type FormattedExecutionResult } from "graphql";
import { createClient, type Client } from "graphql-ws";

/**
 * Queries and mutations go over HTTP with the headers the user typed; subscriptions go over
 * graphql-ws on the same path, with the typed `Authorization` header as the connection
 * parameter `authorization` (grantql authenticates a socket once, at connect).
 */
export function createIdeFetcher(httpUrl: string, wsUrl: string): Fetcher {
  const http = createGraphiQLFetcher({ url: httpUrl });
  let socket: { authorization: string; client: Client } | undefined;

  // One socket per credential: a changed header needs a new connection_init, so the old socket
  // (and the subscriptions on it) is closed.
  const clientFor = (authorization: string): Client => {
    if (socket?.authorization !== authorization) {
      void socket?.client.dispose();
      socket = { authorization, client: createClient({ url: wsUrl, connectionParams: { authorization }, retryAttempts: 0, lazy: true }) };
    }
    return socket.client;
  };

  return (params: FetcherParams, opts?: FetcherOpts) => {
    if (!isSubscription(params, opts?.documentAST)) return http(params, opts);
    // GraphiQL consumes any AsyncIterable of results; its declared type names graphql-ws's.
    return subscribe(clientFor(headerValue(opts?.headers, "authorization")), params) as ReturnType<Fetcher>;
  };
}

function isSubscription(params: FetcherParams, document: DocumentNode | undefined): boolean {
  try {
    const operation = getOperationAST(document ?? parse(params.query), params.operationName ?? undefined);
    return operation?.operation === "subscription";
  } catch {
    return false; // let the server report the syntax error
  }
}

function headerValue(headers: Record<string, unknown> | undefined, name: string): string {
  const entry = Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === name);
  return typeof entry?.[1] === "string" ? entry[1] : "";
}

async function* subscribe(client: Client, params: FetcherParams): AsyncGenerator<FormattedExecutionResult> {
  try {
    yield* client.iterate({
      query: params.query,
      variables: params.variables ?? undefined,
      operationName: params.operationName ?? undefined,
    });
  } catch (error) {
    // A refused socket arrives as a CloseEvent (4401 bad token, 4403 not allowed to subscribe);
    // show it in the result pane instead of an opaque "[object CloseEvent]".
    yield { errors: [{ message: describeFailure(error) }] };
  }
}

function describeFailure(error: unknown): string {
  if (error && typeof error === "object" && "code" in error) {
    const { code, reason } = error as { code: number; reason?: string };
    return `WebSocket closed (${code})${reason ? `: ${reason}` : ""}`;
  }
  if (Array.isArray(error)) return error.map((e) => (e as { message?: string }).message ?? String(e)).join("; ");
  return error instanceof Error ? error.message : String(error);
}
