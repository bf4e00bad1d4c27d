import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { serviceUnavailable, unauthenticated } from "../common/errors";
import type { Services } from "../services";
import { buildContext, GraphQLContext } from "./context";
import { isDatabaseUnavailable } from "./format-error";

/** The HTTP adapter: a header in, a context out (or the 401/503 to answer with). */
export async function httpContext(req: IncomingMessage, services: Services): Promise<GraphQLContext> {
  const meta = { requestId: (req.headers["x-request-id"] as string | undefined)?.slice(0, 100) || randomUUID(), ip: req.socket.remoteAddress };
  let verification;
  try {
    verification = await services.verifier.verify(req.headers.authorization);
  } catch (error) {
    if (isDatabaseUnavailable(error)) throw serviceUnavailable();
    throw error;
  }
  if (!verification.ok) throw unauthenticated(verification.reason);
  return buildContext(verification.principal, services, meta);
}
