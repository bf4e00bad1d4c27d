import { dataOf, gql } from "../support/client";
import { PASSWORD, signUp } from "../support/factories";
import { eventually } from "../support/eventually";
import { startTestServer, TestServer } from "../support/server";
import { WsMessage, WsSession } from "../support/ws-session";

// What one member session may hold open over WebSocket: sockets per session, operations per socket.
let server: TestServer;
let admin: Awaited<ReturnType<typeof signUp>>;
const sockets: WsSession[] = [];
beforeAll(async () => {
  server = await startTestServer({ env: { WS_MAX_SOCKETS_PER_SESSION: "2", WS_MAX_SUBSCRIPTIONS_PER_SOCKET: "2" } });
  admin = await signUp(server.url);
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await server.stop();
});

/** A socket of this session, and its first answer: `connection_ack`, or null once the server closed it. */
async function connect(token: string): Promise<{ socket: WsSession; first: WsMessage | null }> {
  const socket = await WsSession.open(server.wsUrl, token);
  sockets.push(socket);
  return { socket, first: await socket.next() };
}

const USAGE_EVENTS = "subscription { usageEvents { id } }";

it("a session's socket beyond WS_MAX_SOCKETS_PER_SESSION is closed with 4429 saying why; closing one makes room; another session is not affected", async () => {
  const first = await connect(admin.token);
  const second = await connect(admin.token);
  expect([first.first?.type, second.first?.type]).toEqual(["connection_ack", "connection_ack"]);
  const third = await connect(admin.token);
  expect(third.first).toBeNull();
  expect(third.socket.closeCode).toBe(4429);
  const refused = server
    .logs()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((l) => l.msg === "graphql request" && l.transport === "ws" && l.outcome === "RATE_LIMITED");
  expect(refused.length).toBeGreaterThanOrEqual(1);
  const otherSession = dataOf(
    await gql(server.url, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`, {
      e: admin.email,
      p: PASSWORD,
    }),
  ).signIn.token;
  expect((await connect(otherSession)).first?.type).toBe("connection_ack");
  await first.socket.close();
  // The server counts the socket out when it sees the close; a new one is admitted once it has.
  const again = await eventually(
    () => connect(admin.token),
    (c) => c.first !== null,
  );
  expect(again.first?.type).toBe("connection_ack");
  await Promise.all([second.socket.close(), again.socket.close()]);
});

it("an operation beyond WS_MAX_SUBSCRIPTIONS_PER_SOCKET open on one socket is an `error` RATE_LIMITED naming the limit; completing one makes room", async () => {
  const { socket, first } = await connect(admin.token);
  expect(first?.type).toBe("connection_ack");
  socket.send({ type: "subscribe", id: "a", payload: { query: USAGE_EVENTS } });
  socket.send({ type: "subscribe", id: "b", payload: { query: USAGE_EVENTS } });
  const refused = await socket.run("{ viewer { kind } }");
  expect(refused?.type).toBe("error");
  expect(refused?.payload[0]).toMatchObject({
    message: "Too many operations open on this socket: at most 2; complete one first",
    extensions: { code: "RATE_LIMITED", reason: "OPERATIONS_PER_SOCKET" },
  });
  expect(socket.open).toBe(true);
  socket.send({ type: "complete", id: "a" });
  const answered = await socket.run("{ viewer { kind } }");
  expect(answered).toMatchObject({ type: "next", payload: { data: { viewer: { kind: "MEMBER" } } } });
  await socket.close();
});

it.each([
  ["WS_MAX_SOCKETS_PER_SESSION", "0"],
  ["WS_MAX_SUBSCRIPTIONS_PER_SOCKET", "many"],
])("%s=%s is a configuration error", async (name, value) => {
  const { loadConfig, ConfigError } = await import("../../src/config");
  expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
});
