import { Client, createClient } from "graphql-ws";
import WebSocket from "ws";

/**
 * Subscribers connecting and subscribing at once. A thousand at once overflowed the listen backlog
 * (ECONNRESET) and, with the machine busy, queued their session checks and key look-ups behind one
 * another until the pool gave up (close 1013, SERVICE_UNAVAILABLE) on this 2-core machine; in
 * batches every one gets in, and the load is measured only once all are up.
 */
export const OPEN_AT_ONCE = 50;

/**
 * How long every socket must stay open after the last one opened: three ticks of the server's
 * session watch (1 s, `src/server/session-watch.ts`). That watch cuts a socket that connected while
 * its query was running, as "signed out", when the socket's session was not among those the query
 * asked about (a new session: every workspace's first sockets here); such a socket is opened again.
 */
const SETTLE_MS = 3_000;
const ATTEMPTS = 5;

/** A graphql-ws client with its socket, connected and authenticated (`connection_ack` received). */
export interface Connected {
  client: Client;
  socket: WebSocket;
  /** Closed by the server's session watch as "signed out" (see SETTLE_MS). */
  cutAsSignedOut: boolean;
}

/**
 * Opens one graphql-ws client per token and runs `start` on it (its subscriptions; resolves once
 * they run), at most OPEN_AT_ONCE at a time, then waits SETTLE_MS and opens again any that the
 * session watch cut; fails on any other refused socket or subscription. Every client opened is
 * pushed into `opened` as it connects, so the caller closes them whatever happens. Resolves to how
 * many sockets were cut as signed out and opened again.
 */
export async function openAll(
  graphqlUrl: string,
  tokens: readonly string[],
  start: (connected: Connected, index: number) => Promise<void>,
  opened: Connected[],
): Promise<number> {
  const current: Connected[] = [];
  let cuts = 0;
  const open = async (index: number) => {
    for (let attempt = 1; ; attempt++) {
      const connected = await connect(graphqlUrl, tokens[index]);
      opened.push(connected);
      try {
        await start(connected, index);
        current[index] = connected;
        return;
      } catch (error) {
        if (!connected.cutAsSignedOut || attempt === ATTEMPTS) throw error;
        cuts += 1;
      }
    }
  };
  const openInBatches = async (indexes: number[]) => {
    for (let first = 0; first < indexes.length; first += OPEN_AT_ONCE)
      await Promise.all(indexes.slice(first, first + OPEN_AT_ONCE).map(open));
  };
  await openInBatches(tokens.map((_, i) => i));
  for (let round = 1; ; round++) {
    await new Promise((res) => setTimeout(res, SETTLE_MS));
    const cut = current.flatMap((c, i) => (c.cutAsSignedOut ? [i] : []));
    if (cut.length === 0) return cuts;
    if (round === ATTEMPTS) throw new Error(`${cut.length} subscribers' sockets keep being cut as signed out`);
    cuts += cut.length;
    await openInBatches(cut);
  }
}

function connect(graphqlUrl: string, token: string): Promise<Connected> {
  const client = createClient({
    url: graphqlUrl.replace("http", "ws"),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
    // Errors reach the caller: a refused connection rejects below, a failed subscription its sink.
    onNonLazyError: () => undefined,
  });
  return new Promise((resolve, reject) => {
    const offConnected = client.on("connected", (socket) => {
      offClosed();
      offConnected();
      const connected: Connected = { client, socket: socket as WebSocket, cutAsSignedOut: false };
      client.on("closed", (event) => {
        const { code, reason } = event as { code?: number; reason?: string };
        if (code === 4401 && String(reason).includes("signed out")) connected.cutAsSignedOut = true;
      });
      resolve(connected);
    });
    const offClosed = client.on("closed", (event) => {
      offConnected();
      offClosed();
      const { code, reason } = event as { code?: number; reason?: string };
      reject(new Error(`a subscriber's socket closed while connecting: ${code} ${reason ?? ""}`));
    });
  });
}

/** Closes every client; a paused socket is cut (it would never read the close handshake). */
export async function disconnectAll(connected: readonly Connected[]): Promise<void> {
  for (const { socket } of connected) if (socket.isPaused) socket.terminate();
  await Promise.all(connected.map(({ client }) => client.dispose()));
}
