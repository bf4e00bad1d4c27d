import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { serviceUnavailable, unauthenticated } from "../common/errors";
import type { Services } from "../services";
import { buildContext, GraphQLContext, RequestMeta } from "./context";
import { isDatabaseUnavailable } from "./format-error";
import { recordRejected, requestOperation } from "./metering-plugin";
import { enforceRateLimit } from "../hardening/rate-limit-gate";
import { enforceAllowlist } from "../hardening/allowlist-gate";

/**
 * The request's id (the client's `X-Request-Id`, bounded, or a new one) and its client address, read
 * once per request. Express's `req.ip` honours TRUST_PROXY (X-Forwarded-For from trusted hops
 * only); plain Node has only the socket.
 */
export function requestMeta(req: IncomingMessage): RequestMeta {
  return {
    requestId: (req.headers["x-request-id"] as string | undefined)?.slice(0, 100) || randomUUID(),
    ip: (req as IncomingMessage & { ip?: string }).ip ?? req.socket.remoteAddress,
  };
}

/** The HTTP adapter: a header in, a context out (or the 401/503 to answer with). */
export async function httpContext(req: IncomingMessage, services: Services, meta: RequestMeta, res?: ServerResponse): Promise<GraphQLContext> {
  let verification;
  try {
    verification = await services.verifier.verify(req.headers.authorization);
  } catch (error) {
    if (isDatabaseUnavailable(error)) throw serviceUnavailable();
    throw error;
  }
  if (!verification.ok) {
    // A dead key still knocking is shown to security staff (REJECTED), though it is not usage.
    if (verification.apiKey) recordRejected(services.usage.recorder, verification.apiKey, requestOperation(req));
    throw unauthenticated(verification.reason);
  }
  enforceAllowlist(req, verification.principal, meta.ip, services);
  // A key over its rate limit is refused here, before parsing: a flood costs no GraphQL work.
  try {
    if (res) await enforceRateLimit(req, res, verification.principal, services);
  } catch (error) {
    if (isDatabaseUnavailable(error)) throw serviceUnavailable();
    throw error;
  }
  return buildContext(verification.principal, services, meta);
}

/**
 * Benchmark-only (`BENCH_DISABLE=auth`): each distinct Authorization header is verified once and
 * its principal reused for good, with no expiry, revocation or rate-limit check, so `bench/` can
 * measure what per-request authentication costs against the same server. Never for production.
 */
export function benchmarkContext(services: Services): (req: IncomingMessage, meta: RequestMeta) => Promise<GraphQLContext> {
  const principals = new Map<string, Promise<GraphQLContext["principal"]>>();
  return async (req, meta) => {
    const header = req.headers.authorization ?? "";
    let principal = principals.get(header);
    if (!principal) {
      principal = services.verifier.verify(header).then((v) => (v.ok ? v.principal : null));
      principals.set(header, principal);
    }
    return buildContext(await principal, services, meta);
  };
}
