import { Client, createClient } from "graphql-ws";

/** One bad field of an input, as the API names it in `extensions.fields`. */
export interface FieldError {
  field: string;
  message: string;
  /** Set when the workspace policy refused the field (`maxKeyLifetimeDays`, `requireExpiry`, …). */
  policy?: string;
}

/** A refused operation: its code and, for BAD_USER_INPUT, the fields at fault. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }
}

/** The session is gone (expired, signed out elsewhere): the console returns to sign-in. */
export class SessionExpiredError extends ApiError {}

const ENDPOINT = "/graphql";

/** One operation over HTTP with the member's session; errors become ApiError. */
export async function request<T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError("The server cannot be reached. Check the connection and try again.", "NETWORK");
  }
  const body = (await response.json().catch(() => ({}))) as {
    data?: T;
    errors?: { message: string; extensions?: { code?: string; fields?: FieldError[] } }[];
  };
  const error = body.errors?.[0];
  if (error) {
    const code = error.extensions?.code ?? "ERROR";
    if (code === "UNAUTHENTICATED" && token) throw new SessionExpiredError("Your session has expired. Sign in again.", code);
    throw new ApiError(error.message, code, error.extensions?.fields ?? []);
  }
  if (!response.ok || !body.data) throw new ApiError(`The server answered ${response.status}.`, "HTTP");
  return body.data;
}

export interface LiveEvents {
  /** The socket is (again) open and acknowledged; `generation` counts connections. */
  connected(generation: number): void;
  /** The socket closed while the console still needs it. */
  lost(): void;
  /** The server refused the session (4401): it expired or was ended. */
  refused(): void;
}

/** Waits 0.5 s, 1 s, 2 s … up to 5 s between attempts, with some jitter so many consoles spread out. */
function retryWait(retries: number): Promise<void> {
  const ms = Math.min(500 * 2 ** retries, 5000) + Math.random() * 250;
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The console's one graphql-ws connection: opened at sign-in, kept open (not lazy) and retried
 * without end after a server restart or a network drop; active subscriptions resume on their own.
 */
export function createLiveClient(token: string, events: LiveEvents): Client {
  let generation = 0;
  let disposed = false;
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${ENDPOINT}`;
  const client = createClient({
    url,
    lazy: false,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: Infinity,
    retryWait,
    // Every drop is worth another try except a refused session, which a retry cannot fix.
    shouldRetry: (closeEvent) => (closeEvent as CloseEvent)?.code !== 4401,
    onNonLazyError: () => undefined,
    on: {
      connected: () => events.connected(++generation),
      closed: (event) => {
        if (disposed) return;
        if ((event as CloseEvent)?.code === 4401) events.refused();
        else events.lost();
      },
    },
  });
  const dispose = client.dispose.bind(client);
  client.dispose = () => {
    disposed = true;
    return dispose();
  };
  return client;
}

/** Subscribes through the live client; returns the function that ends the subscription. */
export function subscribe<T>(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  onData: (data: T) => void,
  onError: (error: ApiError) => void,
): () => void {
  return client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors?.length) onError(new ApiError(result.errors[0].message, String(result.errors[0].extensions?.code ?? "ERROR")));
        else if (result.data) onData(result.data as T);
      },
      error: (error) => {
        if ((error as CloseEvent)?.code === 4401) return; // handled as an expired session
        onError(new ApiError(error instanceof Error ? error.message : "The live connection failed.", "LIVE"));
      },
      complete: () => undefined,
    },
  );
}
