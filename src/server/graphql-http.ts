import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { ApolloServer, HeaderMap, HTTPGraphQLRequest } from "@apollo/server";
import express from "express";
import getRawBody from "raw-body";
import { ErrorCode } from "../common/errors";
import type { Logger } from "../logger";
import type { RequestContext } from "./context";
import type { Middleware } from "./guards/cors";

/** The largest request either transport reads: an HTTP body, or one WebSocket message. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** What a body that cannot be read answers, in GraphQL's error shape, for every path that reads one. */
export function bodyError(error: { status?: number }): {
  status: number;
  body: { errors: { message: string; extensions: { code: ErrorCode } }[] };
} {
  const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
  const message =
    status === 413
      ? "Request body is larger than 1 MiB"
      : status === 400
        ? "Request body is not valid JSON"
        : status === 500
          ? "Internal server error"
          : ((error as { message?: string }).message ?? "Bad request");
  const code = status === 413 ? ErrorCode.PAYLOAD_TOO_LARGE : status === 500 ? ErrorCode.INTERNAL_SERVER_ERROR : ErrorCode.BAD_REQUEST;
  return { status, body: { errors: [{ message, extensions: { code } }] } };
}

/** `application/json`, in UTF-8 and not compressed: the one body every client sends, read without body-parser. */
function plainJson(req: IncomingMessage): boolean {
  const encoding = req.headers["content-encoding"];
  if (encoding !== undefined && encoding.toLowerCase() !== "identity") return false;
  const type = req.headers["content-type"]?.toLowerCase().replace(/\s+/g, "");
  return type === "application/json" || type === "application/json;charset=utf-8";
}

/**
 * body-parser's strict JSON, for the plain case: an empty body is `{}`, anything but an object or
 * an array is refused before `JSON.parse` sees it.
 */
function parseStrictJson(text: string): unknown {
  if (text.length === 0) return {};
  const first = text.trimStart()[0];
  if (first !== "{" && first !== "[") throw Object.assign(new SyntaxError("not an object or an array"), { status: 400 });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw Object.assign(error as Error, { status: 400 });
  }
}

/**
 * The GraphQL endpoint over HTTP, on Node's own request and response: CORS (when configured), the
 * body (≤ 1 MiB of JSON), Apollo's `executeHTTPGraphQLRequest`, the answer written in one go.
 *
 * It replaces express + `express.json()` + `@as-integrations/express5` on this path because those
 * cost more than the whole GraphQL request: `{ __typename }` with a key took 630–760 µs of server
 * CPU through them and 340 µs without (README, Performance). The plain body (UTF-8
 * `application/json`, uncompressed) is read with raw-body; any other body (a charset, a content
 * encoding, another type) goes through body-parser's own JSON reader, so those answers (415, 400)
 * are body-parser's. `main`'s listener sends POSTs to /graphql here before express; express mounts
 * the same handler for the rest (GET after the IDE gate).
 */
export function graphqlHttp(
  apollo: ApolloServer<RequestContext>,
  context: (args: { req: IncomingMessage; res: ServerResponse; graphql: HTTPGraphQLRequest }) => Promise<RequestContext>,
  logger: Logger,
  cors?: Middleware,
): Handler {
  const jsonParser = express.json({ limit: BODY_LIMIT_BYTES }) as unknown as Middleware;
  const readBody = async (req: IncomingMessage, res: ServerResponse): Promise<unknown> => {
    if (req.method === "GET" || req.method === "HEAD") return undefined;
    if (plainJson(req)) return parseStrictJson(await getRawBody(req, { limit: BODY_LIMIT_BYTES, encoding: "utf-8" }));
    await run(jsonParser, req, res);
    return (req as { body?: unknown }).body;
  };

  return async (req, res) => {
    try {
      if (cors && !(await run(cors, req, res))) return; // a preflight, answered
      let body: unknown;
      try {
        body = await readBody(req, res);
      } catch (error) {
        // Read off what is left of the body first, as body-parser does: answering mid-upload resets a kept-alive connection.
        await discard(req);
        const answer = bodyError(error as { status?: number });
        if (answer.status === 500) logger.error({ err: error }, "unhandled error reading a request body");
        return sendError(res, answer);
      }
      (req as { body?: unknown }).body = body;
      const headers = new HeaderMap();
      for (const name in req.headers) {
        const value = req.headers[name];
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
      }
      const url = req.url ?? "";
      const query = url.indexOf("?");
      const httpGraphQLRequest: HTTPGraphQLRequest = {
        method: req.method?.toUpperCase() ?? "GET",
        headers,
        search: query < 0 ? "" : url.slice(query),
        body,
      };
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest,
        context: () => context({ req, res, graphql: httpGraphQLRequest }),
      });
      if (response.body.kind === "complete") return send(res, response.status ?? 200, response.headers, response.body.string);
      for (const [name, value] of response.headers) res.setHeader(name, value);
      res.statusCode = response.status ?? 200;
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    } catch (error) {
      logger.error({ err: error }, "unhandled error in the HTTP layer");
      if (res.headersSent) return void res.destroy();
      sendError(res, bodyError({ status: 500 }));
    }
  };
}

/** Runs a connect-style middleware; true when it called `next()` (the request goes on), false when it answered. */
function run(middleware: Middleware, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  return new Promise((resolve, reject) => {
    res.once("finish", () => resolve(false));
    middleware(req, res, (error) => (error ? reject(error) : resolve(true)));
  });
}

function discard(req: IncomingMessage): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    req.once("end", resolve);
    req.once("close", resolve);
    req.resume();
  });
}

function send(res: ServerResponse, status: number, headers: Iterable<[string, string]>, body: string): void {
  for (const [name, value] of headers) res.setHeader(name, value);
  res.statusCode = status;
  res.setHeader("content-length", Buffer.byteLength(body));
  res.end(res.req.method === "HEAD" ? undefined : body);
}

function sendError(res: ServerResponse, answer: ReturnType<typeof bodyError>): void {
  send(res, answer.status, [["content-type", "application/json; charset=utf-8"]], JSON.stringify(answer.body));
}

/** The server's request listener: POSTs to /graphql straight to the endpoint, everything else to express. */
export function routeRequests(graphql: Handler, app: RequestListener): RequestListener {
  return (req, res) => {
    const url = req.url ?? "";
    const path = url.length === 8 || url.charCodeAt(8) === 63 /* ? */ ? url.slice(0, 8) : "";
    if (req.method === "POST" && path === "/graphql") void graphql(req, res);
    else app(req, res);
  };
}
