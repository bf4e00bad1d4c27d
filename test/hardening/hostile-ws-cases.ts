import { randomBase62 } from "../../src/auth/token";
import type { ClearCode, CorpusContext } from "./hostile-cases";
import { WsOutcome, wsExchange } from "./hostile-support";

export interface WsCase {
  name: string;
  run(ctx: CorpusContext): Promise<WsOutcome>;
  /** The one close code the socket ends with (-1: the handshake itself refused), or the one code of the `error` message. */
  expect: { closeCode: number } | { errorCode: ClearCode };
}

const init = (payload?: unknown) =>
  JSON.stringify(payload === undefined ? { type: "connection_init" } : { type: "connection_init", payload });
const subscribe = (query: unknown, id: unknown = "1", variables?: unknown) =>
  JSON.stringify({ type: "subscribe", id, payload: { query, variables } });
const closesOrErrors = (m: { type: string }) => m.type === "error" || m.type === "complete" || m.type === "next";
const ackOnly = (m: { type: string }) => m.type === "connection_ack";

/** Cases that send an init payload and expect the socket to be closed because of it. */
const INIT_PAYLOADS: [string, (ctx: CorpusContext) => unknown, number][] = [
  ["no payload", () => undefined, 4401],
  ["a null payload", () => null, 4401],
  ["an empty object", () => ({}), 4401],
  ["authorization as a number", () => ({ authorization: 42 }), 4401],
  ["authorization as an object", () => ({ authorization: { bearer: "x" } }), 4401],
  ["authorization as an array", () => ({ authorization: ["Bearer x"] }), 4401],
  ["garbage bearer", () => ({ authorization: "Bearer garbage" }), 4401],
  ["Basic credentials", () => ({ authorization: "Basic dXNlcjpwYXNz" }), 4401],
  ["an unknown session", () => ({ authorization: `Bearer gqs_${randomBase62(43)}` }), 4401],
  ["a revoked key", (ctx) => ({ authorization: `Bearer ${ctx.revokedKeySecret}` }), 4401],
  ["a signed-out session", (ctx) => ({ authorization: `Bearer ${ctx.signedOutToken}` }), 4401],
  ["a 10 KB token", () => ({ authorization: `Bearer ${"a".repeat(10_000)}` }), 4401],
  ["an API key (may never subscribe)", (ctx) => ({ authorization: `Bearer ${ctx.key.secret}` }), 4403],
  ["the token under __proto__", (ctx) => JSON.parse(`{"__proto__": {"authorization": "Bearer ${ctx.admin.token}"}}`), 4401],
  ["a string payload", () => "Bearer x", 4400],
  ["an array payload", () => ["Bearer x"], 4400],
];

export function wsCases(): WsCase[] {
  const cases: WsCase[] = INIT_PAYLOADS.map(([label, payload, codes]) => ({
    name: `connection_init with ${label}`,
    run: (ctx) => wsExchange(ctx.wsUrl, [init(payload(ctx))], ackOnly),
    expect: { closeCode: codes },
  }));
  const member = (ctx: CorpusContext) => init({ authorization: `Bearer ${ctx.admin.token}` });
  const frames: [string, (ctx: CorpusContext) => (string | Buffer)[], number][] = [
    ["a message that is not JSON", () => ["not json at all"], 4400],
    ["binary garbage", () => [Buffer.from([0xff, 0x00, 0xfe, 0x01])], 4400],
    ["an unknown message type", () => [JSON.stringify({ type: "hello" })], 4400],
    ["a message with no type", () => [JSON.stringify({ id: "1" })], 4400],
    ["subscribe before connection_init", () => [subscribe("subscription { usageEvents { id } }")], 4401],
    ["connection_init twice", (ctx) => [member(ctx), member(ctx)], 4429],
    ["subscribe without an id", (ctx) => [member(ctx), subscribe("{ __typename }", null)], 4400],
    ["subscribe with a numeric query", (ctx) => [member(ctx), subscribe(42)], 4400],
    ["subscribe with no payload", (ctx) => [member(ctx), JSON.stringify({ type: "subscribe", id: "1" })], 4400],
    ["subscribe with variables as a string", (ctx) => [member(ctx), subscribe("{ __typename }", "1", "oops")], 4400],
    ["a frame over 1 MiB", (ctx) => [member(ctx), subscribe(`{ __typename } # ${"x".repeat(1024 * 1024)}`)], 1009],
  ];
  for (const [label, build, codes] of frames) {
    cases.push({ name: label, run: (ctx) => wsExchange(ctx.wsUrl, build(ctx), () => false), expect: { closeCode: codes } });
  }
  const operations: [string, string, ClearCode][] = [
    ["a syntax error", "subscription { usageEvents { id }", "GRAPHQL_PARSE_FAILED"],
    ["31 aliases", `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: __typename`).join(" ")} }`, "GRAPHQL_VALIDATION_FAILED"],
    [
      "depth 11",
      `{ __type(name: "Query") { fields { type { ${"ofType { ".repeat(7)}name${" }".repeat(7)} } } } }`,
      "GRAPHQL_VALIDATION_FAILED",
    ],
    ["3000 tokens", `{ ${"__typename ".repeat(3000)} }`, "GRAPHQL_PARSE_FAILED"],
    ["60 directives", `{ __typename ${"@include(if: true) ".repeat(60)} }`, "GRAPHQL_VALIDATION_FAILED"],
    ["a misspelt field (no suggestion)", "{ viewr { kind } }", "GRAPHQL_VALIDATION_FAILED"],
    ["a fragment cycle", "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }", "GRAPHQL_VALIDATION_FAILED"],
    ["an unknown operation name", "query A { __typename }", "OPERATION_RESOLUTION_FAILURE"],
  ];
  for (const [label, query, code] of operations) {
    cases.push({
      name: `subscribe with ${label}`,
      run: (ctx) =>
        wsExchange(
          ctx.wsUrl,
          [
            member(ctx),
            label.startsWith("an unknown operation")
              ? JSON.stringify({ type: "subscribe", id: "1", payload: { query, operationName: "B" } })
              : subscribe(query),
          ],
          closesOrErrors,
          { afterAck: true },
        ),
      expect: { errorCode: code },
    });
  }
  cases.push({
    name: "a legacy subprotocol",
    run: (ctx) => wsExchange(ctx.wsUrl, [], () => false, { protocol: "graphql-ws" }),
    // The server agrees on no subprotocol, so the client itself gives up on the handshake.
    expect: { closeCode: -1 },
  });
  cases.push({
    name: "no subprotocol",
    run: (ctx) => wsExchange(ctx.wsUrl, [], () => false, { protocol: null }),
    expect: { closeCode: 4406 },
  });
  return cases;
}
