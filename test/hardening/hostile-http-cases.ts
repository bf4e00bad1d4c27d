import { API_KEY_PREFIX, checksumOf, randomBase62 } from "../../src/auth/token";
import { accepted, Case, CorpusContext, refused } from "./hostile-cases";
import { post, rawHttp, send } from "./hostile-support";

const VIEWER = "{ viewer { kind } }";
/** The body limit of the contract (section 6): 1 MiB. */
const MIB = 1024 * 1024;

/** A JSON body of exactly `bytes` bytes: `{ __typename }` with an unused variable as padding. */
function bodyOfBytes(bytes: number): string {
  const frame = (pad: string) => JSON.stringify({ query: "{ __typename }", variables: { pad } });
  return frame("x".repeat(bytes - Buffer.byteLength(frame(""))));
}

function json(body: string | Buffer, contentType = "application/json", headers: Record<string, string> = {}) {
  return (ctx: CorpusContext) => send(ctx.url, { method: "POST", headers: { "content-type": contentType, ...headers }, body });
}

/** A key with a valid shape and checksum that nobody issued. */
function unknownKey(): string {
  const random = randomBase62(32);
  return `${API_KEY_PREFIX}${random}${checksumOf(random)}`;
}

function badChecksumKey(): string {
  const random = randomBase62(32);
  const sum = checksumOf(random);
  return `${API_KEY_PREFIX}${random}${sum.slice(0, 5)}${sum[5] === "0" ? "1" : "0"}`;
}

const malformedJson: [string, string][] = [
  ["unterminated object", "{"],
  ["unterminated string", '{"query": "{ viewer'],
  ["trailing comma", '{"query": "{ __typename }",}'],
  ["single quotes", "{'query': '{ __typename }'}"],
  ["bare NaN", "NaN"],
  ["undefined value", '{"query": undefined}'],
  ["extra closing braces", '{"query": "{ __typename }"}}}'],
  ["lone bracket", "["],
  ["comment inside", '{"query": /* hi */ "{ __typename }"}'],
  ["control characters", '{"query": "{ __typename }\u0001"}'],
];

const notAnOperation: [string, string][] = [
  ["a number", "123"],
  ["a string", '"{ __typename }"'],
  ["null", "null"],
  ["true", "true"],
  ["an empty array", "[]"],
  ["a batch of two", '[{"query":"{ __typename }"},{"query":"{ __typename }"}]'],
  ["an empty object", "{}"],
  ["query as a number", '{"query": 42}'],
  ["query as an object", '{"query": {"kind": "Document"}}'],
  ["query as an array", '{"query": ["{ __typename }"]}'],
  ["query null", '{"query": null}'],
  ["variables as a string", '{"query": "{ __typename }", "variables": "{}"}'],
  ["variables as an array", '{"query": "{ __typename }", "variables": [1]}'],
  ["operationName as a number", '{"query": "{ __typename }", "operationName": 7}'],
  ["unknown operationName", '{"query": "query A { __typename }", "operationName": "B"}'],
  ["extensions as a string", '{"query": "{ __typename }", "extensions": "x"}'],
];

/** Refused with 400, but 415 for a charset the body parser does not know. */
const contentTypes: [string, string, number][] = [
  ["text/plain", "text/plain", 400],
  ["form-urlencoded", "application/x-www-form-urlencoded", 400],
  ["multipart", "multipart/form-data; boundary=x", 400],
  ["xml", "application/xml", 400],
  ["application/graphql", "application/graphql", 400],
  ["json in UTF-16", "application/json; charset=utf-16", 400],
  ["json in an unknown charset", "application/json; charset=klingon", 415],
];

const authorizationHeaders: [string, () => string][] = [
  ["Basic credentials", () => "Basic dXNlcjpwYXNzd29yZA=="],
  ["an unknown scheme", () => "Token gqk_abc"],
  ["a short key", () => "Bearer gqk_short"],
  ["a key with a wrong checksum", () => `Bearer ${badChecksumKey()}`],
  ["a well-formed unknown key", () => `Bearer ${unknownKey()}`],
  ["a well-formed unknown session", () => `Bearer gqs_${randomBase62(43)}`],
  ["two tokens", () => `Bearer ${unknownKey()} ${unknownKey()}`],
  ["an upper-case prefix", () => `Bearer GQK_${randomBase62(38)}`],
  ["a key with trailing garbage", () => `Bearer ${unknownKey()}x`],
  ["8000 characters", () => `Bearer ${"a".repeat(8000)}`],
  ["a JWT", () => "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9."],
  ["SQL", () => "Bearer ' OR 1=1 --"],
  ["a session secret prefixed as a key", () => `Bearer gqk_${randomBase62(43)}`],
];

export function transportCases(): Case[] {
  const cases: Case[] = [];
  for (const [label, body] of malformedJson)
    cases.push({ name: `malformed JSON: ${label}`, run: json(body), expect: refused(400, "BAD_REQUEST") });
  for (const [label, body] of notAnOperation)
    cases.push({
      name: `body is not one operation: ${label}`,
      run: json(body),
      expect: refused(400, label === "unknown operationName" ? "OPERATION_RESOLUTION_FAILURE" : "BAD_REQUEST"),
    });
  for (const [label, type, status] of contentTypes) {
    cases.push({
      name: `content type ${label}`,
      run: json(JSON.stringify({ query: VIEWER }), type),
      expect: refused(status, "BAD_REQUEST"),
    });
  }
  cases.push(
    {
      name: "a persisted query id that names no trusted operation",
      run: json('{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "abc"}}}'),
      // Never registered from a request: the id names nothing, so there is nothing to run.
      expect: refused(400, "PERSISTED_QUERY_NOT_FOUND"),
    },
    {
      name: "a persisted query of another version",
      run: json('{"extensions": {"persistedQuery": {"version": 2, "sha256Hash": "abc"}}}'),
      expect: refused(400, "PERSISTED_QUERY_NOT_SUPPORTED"),
    },
    {
      name: "no content type",
      run: (ctx) => send(ctx.url, { method: "POST", body: JSON.stringify({ query: VIEWER }) }),
      expect: refused(400, "BAD_REQUEST"),
    },
    { name: "empty body", run: json(""), expect: refused(400, "BAD_REQUEST") },
    {
      name: "body of 1.5 MiB",
      run: json(JSON.stringify({ query: "{ __typename }", variables: { pad: "x".repeat(1.5 * 1024 * 1024) } })),
      expect: refused(413, "PAYLOAD_TOO_LARGE"),
    },
    {
      name: "body of 1 MiB + 1 byte",
      run: json(bodyOfBytes(MIB + 1)),
      expect: refused(413, "PAYLOAD_TOO_LARGE"),
    },
    {
      name: "body of exactly 1 MiB",
      run: json(bodyOfBytes(MIB)),
      expect: accepted((d) => expect(d).toEqual({ __typename: "Query" })),
    },
    {
      name: "a 900 KB query of one field",
      run: (ctx) => post(ctx.url, `{ ${"__typename ".repeat(75_000)} }`),
      expect: refused(400, "GRAPHQL_PARSE_FAILED"),
    },
    {
      name: "a 900 KB unused variable",
      run: (ctx) => post(ctx.url, "{ __typename }", { pad: "x".repeat(900_000) }),
      expect: accepted((d) => expect(d).toEqual({ __typename: "Query" })),
    },
    {
      name: "invalid UTF-8 in a variable",
      run: json(
        Buffer.concat([
          Buffer.from('{"query":"{ __typename }","variables":{"a":"'),
          Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
          Buffer.from('"}}'),
        ]),
      ),
      // Decoded with U+FFFD in place of the bad bytes, and unused: the operation runs.
      expect: accepted((d) => expect(d).toEqual({ __typename: "Query" })),
    },
    {
      name: "invalid UTF-8 in the query",
      run: json(Buffer.concat([Buffer.from('{"query":"{ '), Buffer.from([0xc0, 0xaf]), Buffer.from(' }"}')])),
      expect: refused(400, "GRAPHQL_PARSE_FAILED"),
    },
    {
      name: "a NUL byte in the query",
      run: (ctx) => post(ctx.url, "{ viewer\u0000 { kind } }"),
      expect: refused(400, "GRAPHQL_PARSE_FAILED"),
    },
    {
      name: "a byte-order mark before the JSON",
      run: json(`\uFEFF${JSON.stringify({ query: "{ __typename }" })}`),
      expect: accepted((d) => expect(d).toEqual({ __typename: "Query" })),
    },
    {
      name: "gzip encoding that is not gzip",
      run: json("not gzip", "application/json", { "content-encoding": "gzip" }),
      expect: refused(400, "BAD_REQUEST"),
    },
    {
      name: "an unknown content encoding",
      run: json("{}", "application/json", { "content-encoding": "klingon" }),
      expect: refused(415, "BAD_REQUEST"),
    },
    {
      name: "GET without the CSRF preflight header",
      run: (ctx) => send(`${ctx.url}?query=${encodeURIComponent("{ __typename }")}`, { method: "GET" }),
      expect: refused(400, "BAD_REQUEST"),
    },
    {
      name: "GET with a mutation",
      run: (ctx) =>
        send(`${ctx.url}?query=${encodeURIComponent("mutation { signOut }")}`, {
          method: "GET",
          headers: { "apollo-require-preflight": "1" },
        }),
      expect: refused(405, "BAD_REQUEST"),
    },
    {
      name: "GET with no query",
      run: (ctx) => send(ctx.url, { method: "GET", headers: { "apollo-require-preflight": "1", accept: "application/json" } }),
      expect: refused(400, "BAD_REQUEST"),
    },
    {
      name: "PUT",
      run: (ctx) => send(ctx.url, { method: "PUT", headers: { "content-type": "application/json" }, body: "{}" }),
      expect: refused(405, "BAD_REQUEST"),
    },
    // With no content type, CSRF prevention refuses it before the method is looked at.
    { name: "DELETE", run: (ctx) => send(ctx.url, { method: "DELETE" }), expect: refused(400, "BAD_REQUEST") },
    {
      name: "Authorization: non-ASCII bytes (raw)",
      run: (ctx) =>
        rawHttp(
          ctx.port,
          Buffer.from(
            `POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer gqk_ключ🔑\r\nContent-Type: application/json\r\nContent-Length: 31\r\nConnection: close\r\n\r\n{"query":"{ viewer { kind } }"}`,
          ),
        ),
      expect: refused(401, "UNAUTHENTICATED"),
    },
    {
      name: "a NUL byte in a header (raw)",
      run: (ctx) =>
        rawHttp(
          ctx.port,
          `POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\u0000b\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
        ),
      expect: refused(400, null),
    },
    {
      name: "a 20 KB header (raw)",
      run: (ctx) =>
        rawHttp(
          ctx.port,
          `POST /graphql HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
        ),
      expect: refused(431, null),
    },
    {
      name: "two Content-Length headers (raw)",
      run: (ctx) =>
        rawHttp(
          ctx.port,
          `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 30\r\nConnection: close\r\n\r\n{}`,
        ),
      expect: refused(400, null),
    },
    { name: "a request line that is not HTTP (raw)", run: (ctx) => rawHttp(ctx.port, "HELLO WORLD\r\n\r\n"), expect: refused(400, null) },
  );
  for (const [label, header] of authorizationHeaders) {
    cases.push({
      name: `Authorization: ${label}`,
      run: (ctx) =>
        send(ctx.url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: header() },
          body: JSON.stringify({ query: VIEWER }),
        }),
      expect: refused(401, "UNAUTHENTICATED"),
    });
  }
  cases.push(
    {
      name: "Authorization: a revoked key",
      run: (ctx) => post(ctx.url, VIEWER, {}, ctx.revokedKeySecret),
      expect: refused(401, "UNAUTHENTICATED"),
    },
    {
      name: "Authorization: a signed-out session",
      run: (ctx) => post(ctx.url, VIEWER, {}, ctx.signedOutToken),
      expect: refused(401, "UNAUTHENTICATED"),
    },
    {
      name: "Authorization: malformed on a public mutation",
      write: true,
      run: (ctx) =>
        post(
          ctx.url,
          `mutation { signUp(input: {workspaceName: "${ctx.tag}", email: "${ctx.tag}@example.test", password: "long enough password"}) { token } }`,
          {},
          "not-a-token",
        ),
      expect: refused(401, "UNAUTHENTICATED"),
    },
    {
      name: "no credential on a member query",
      run: (ctx) => post(ctx.url, "{ apiKeys { totalCount } }"),
      expect: refused(401, "UNAUTHENTICATED"),
    },
    {
      name: "an API key creating a key",
      write: true,
      run: (ctx) =>
        post(
          ctx.url,
          `mutation { createApiKey(input: {name: "x", permissions: [{resource: CALLS, read: true}]}) { secret } }`,
          {},
          ctx.key.secret,
        ),
      expect: refused(403, "FORBIDDEN"),
    },
    {
      name: "a SECURITY member creating a key",
      write: true,
      run: (ctx) =>
        post(
          ctx.url,
          `mutation { createApiKey(input: {name: "x", permissions: [{resource: CALLS, read: true}]}) { secret } }`,
          {},
          ctx.security.token,
        ),
      expect: refused(403, "FORBIDDEN"),
    },
    {
      name: "an API key reading the audit log",
      run: (ctx) => post(ctx.url, "{ auditLog { totalCount } }", {}, ctx.key.secret),
      expect: refused(403, "FORBIDDEN"),
    },
  );
  return cases;
}
