import { randomUUID } from "node:crypto";
import type { HTTPGraphQLRequest } from "@apollo/server";
import type { IncomingMessage, ServerResponse } from "node:http";
import { GraphQLError } from "graphql";
import proxyaddr from "proxy-addr";
import { namesAnId, runTextOverHttp, sentOverHttp } from "./guards/persisted-operation";
import { setRateLimitHeaders } from "./guards/rate-limit-gate";
import type { Services } from "../services";
import type { RequestMeta } from "../resolvers/common/context";
import { buildContext, RequestContext } from "./context";
import { requestOperation } from "./metering-listener";
import { RETRY_AFTER_SECONDS } from "./request-outcome";
import { RequestPipeline, RequestState } from "./request-pipeline";

/** Which X-Forwarded-For hops to believe: express's compiled `trust proxy` (TRUST_PROXY), shared by both transports. */
export type TrustProxy = (address: string, hop: number) => boolean;

/**
 * The request's id (the client's `X-Request-Id`, bounded, or a new one) and its client address,
 * read once per request — an HTTP request or a socket's upgrade request — with the same
 * forwarding rule as express's `req.ip`.
 */
export function requestMeta(req: IncomingMessage, trust: TrustProxy): RequestMeta {
  const header = req.headers["x-request-id"];
  return {
    requestId: (typeof header === "string" ? header.slice(0, 100) : "") || randomUUID(),
    ip: req.socket.remoteAddress === undefined ? undefined : proxyaddr(req, trust),
  };
}

/** The HTTP adapter: a request in, an admitted request's context out (or the refusal to answer with). */
export function httpContext(pipeline: RequestPipeline, services: Services, trust: TrustProxy) {
  return async ({
    req,
    res,
    graphql,
  }: {
    req: IncomingMessage;
    res: ServerResponse;
    graphql?: HTTPGraphQLRequest;
  }): Promise<RequestContext> => {
    const request = pipeline.start("http", requestMeta(req, trust), requestOperation(req as IncomingMessage & { body?: unknown }));
    // One id per request, in the logs and in the response, refused requests included.
    res.setHeader("x-request-id", request.meta.requestId);
    try {
      await pipeline.admit(request, req.headers.authorization, (decision) => setRateLimitHeaders(res, decision));
      if (graphql) {
        const sent = sentOverHttp(graphql);
        const text = await pipeline.resolveDocument(request, sent);
        // Only a request that named an id is rewritten: Apollo then reads the text, never the id.
        if (text !== undefined && namesAnId(sent)) runTextOverHttp(graphql, text);
      }
    } catch (error) {
      throw refusal(pipeline, request, error);
    }
    return buildContext(request, services, pipeline.checkDocument);
  };
}

/** A request refused before Apollo's pipeline: its outcome now, and the error with the status that outcome says. */
function refusal(pipeline: RequestPipeline, request: RequestState, error: unknown): GraphQLError {
  const formatted = pipeline.format(error);
  const outcome = pipeline.finish(request, [formatted]);
  const http = (error as Partial<GraphQLError>).extensions?.http as { headers?: Map<string, string> } | undefined;
  const headers = new Map<string, string>(http?.headers);
  if (outcome.status === 503) headers.set("retry-after", String(RETRY_AFTER_SECONDS));
  return new GraphQLError(formatted.message, { extensions: { ...formatted.extensions, http: { status: outcome.status, headers } } });
}
