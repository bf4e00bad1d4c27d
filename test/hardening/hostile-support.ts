import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { DataSource } from "typeorm";
import WebSocket from "ws";
import { ERROR_REASONS, ErrorCode } from "../../src/common/errors";

/** What a case observed: status, raw text, and the JSON body when there is one. */
export interface Answer {
  status: number;
  text: string;
  json?: { data?: any; errors?: { message: string; extensions?: Record<string, any> }[] };
  headers?: Headers;
}

/**
 * The closed set of codes as docs/API.md ("Errors") lists them, less the 5xx ones: a hostile
 * request may be refused with any of these and with nothing else. Read from the docs so the corpus
 * and the published set cannot drift apart.
 */
export const CLEAR_CODES: ReadonlySet<string> = (() => {
  const api = readFileSync(join(__dirname, "../../docs/API.md"), "utf8");
  const errors = api.slice(api.indexOf("\n## Errors"), api.indexOf("\n## ", api.indexOf("\n## Errors") + 1));
  const rows = [...errors.matchAll(/^\| `([A-Z_]+)` \|.*\| (\d{3})[^|]*\|$/gm)];
  return new Set(rows.filter(([, , status]) => !status.startsWith("5")).map(([, code]) => code));
})();

/** The codes and reasons these errors carry that are outside src/common/errors.ts's closed sets. */
export function outsideTheClosedSet(errors: readonly { extensions?: Record<string, unknown> }[]): string[] {
  const codes = new Set<unknown>(Object.values(ErrorCode));
  const reasons: Partial<Record<string, readonly string[]>> = ERROR_REASONS;
  return errors.flatMap(({ extensions }) => {
    const { code, reason } = extensions ?? {};
    const outside = codes.has(code) ? [] : [`code ${String(code)}`];
    if (reason !== undefined && !reasons[String(code)]?.includes(String(reason)))
      outside.push(`reason ${String(reason)} with ${String(code)}`);
    return outside;
  });
}

function toAnswer(status: number, text: string, headers?: Headers): Answer {
  let json: Answer["json"];
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status, text, json, headers };
}

export async function send(url: string, init: RequestInit): Promise<Answer> {
  const response = await fetch(url, init);
  return toAnswer(response.status, await response.text(), response.headers);
}

/** One GraphQL operation as JSON over POST. */
export function post(url: string, query: string, variables?: unknown, token?: string, extra: Record<string, string> = {}): Promise<Answer> {
  return send(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra },
    body: JSON.stringify({ query, variables }),
  });
}

/** Bytes straight onto a socket, for what fetch refuses to send (bad header bytes, broken framing). */
export function rawHttp(port: number, request: Buffer | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      resolve(toAnswer(status, text.slice(text.indexOf("\r\n\r\n") + 4)));
    });
    socket.end(request);
  });
}

export interface WsOutcome {
  /** The close code, or -1 when the handshake itself was refused. */
  closeCode: number | null;
  closeReason?: string;
  messages: { type: string; id?: string; payload?: any }[];
}

export interface WsOptions {
  protocol?: string | null;
  /** Send the frames after the first only once the server acknowledged the first (a connection_init). */
  afterAck?: boolean;
}

/**
 * Opens a graphql-ws socket, sends `frames`, and resolves on the first close or on the first
 * message that `done` accepts (no timers: both are events).
 */
export function wsExchange(
  url: string,
  frames: (string | Buffer)[],
  done: (m: WsOutcome["messages"][number]) => boolean,
  options: WsOptions = {},
): Promise<WsOutcome> {
  const { protocol = "graphql-transport-ws", afterAck = false } = options;
  return new Promise((resolve) => {
    const socket = protocol === null ? new WebSocket(url) : new WebSocket(url, protocol);
    const outcome: WsOutcome = { closeCode: null, messages: [] };
    const [first, ...rest] = frames;
    socket.on("open", () => {
      if (first !== undefined) socket.send(first);
      if (!afterAck) rest.forEach((frame) => socket.send(frame));
    });
    socket.on("message", (data) => {
      const message = JSON.parse(String(data));
      outcome.messages.push(message);
      if (afterAck && message.type === "connection_ack") rest.forEach((frame) => socket.send(frame));
      if (done(message)) socket.close(1000);
    });
    socket.on("close", (code, reason) => {
      outcome.closeCode = outcome.closeCode ?? code;
      outcome.closeReason = String(reason);
      resolve(outcome);
    });
    // The client gives up on a handshake the server would not complete (no agreed subprotocol).
    socket.on("error", () => {
      outcome.closeCode = outcome.closeCode ?? -1;
      resolve(outcome);
    });
  });
}

/**
 * A digest of everything stored for one workspace (resource tables included as they appear), plus
 * counts of workspaces and members carrying the run's tag: any write a refused request made shows.
 * Usage rows, `last_used_at` and SIGN_IN_FAILED audit entries are left out: they record the attempt itself.
 */
export async function fingerprint(db: DataSource, workspaceId: string, tag: string): Promise<string> {
  const tables: { table_name: string }[] = await db.query(
    `SELECT table_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND column_name = 'workspace_id' AND table_name NOT LIKE 'usage%'
        AND table_name NOT IN ('key_address', 'security_alert')
      ORDER BY table_name`,
  );
  const parts = tables.map(({ table_name }) => {
    const skip = table_name === "audit_entry" ? ` AND action::text <> 'SIGN_IN_FAILED'` : "";
    // last_used_at/last_used_from, a key's recent addresses and the alerts raised from them move with every
    // presented key, refused requests included (a burst of refusals is itself an alert): metering, not a write.
    return `SELECT '${table_name}' || (to_jsonb(t) - 'last_used_at' - 'last_used_from')::text AS x FROM "${table_name}" t WHERE workspace_id = $1${skip}`;
  });
  parts.push(`SELECT 'grant' || row_to_json(g)::text FROM api_key_grant g JOIN api_key k ON k.id = g.api_key_id WHERE k.workspace_id = $1`);
  parts.push(`SELECT 'workspaces' || count(*)::text FROM workspace WHERE name LIKE $2`);
  parts.push(`SELECT 'members' || count(*)::text FROM member WHERE email_key LIKE $2`);
  const [row] = await db.query(
    `SELECT md5(coalesce(string_agg(x, '|' ORDER BY x), '')) AS digest FROM (${parts.join(" UNION ALL ")}) rows`,
    [workspaceId, `%${tag.toLowerCase()}%`],
  );
  return row.digest;
}
