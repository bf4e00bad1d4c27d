import cors from "cors";
import type { IncomingMessage, ServerResponse } from "node:http";

/** A connect-style step on Node's own request and response. */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/** Headers a browser client may read: the limit and retry signals, the auth challenge, the request id. */
const EXPOSED_HEADERS = ["Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "WWW-Authenticate", "X-Request-Id"];
const ALLOWED_HEADERS = ["Content-Type", "Authorization", "Apollo-Require-Preflight", "X-Apollo-Operation-Name", "X-Request-Id"];

/**
 * CORS from `CORS_ORIGINS`. Empty (the default) sends no CORS headers, so browsers on other
 * origins are refused. `*` allows any origin but never with credentials (browsers forbid the pair,
 * and a wildcard must not carry them). Otherwise only the listed origins are echoed back, each
 * with credentials allowed.
 */
export function corsMiddleware(origins: readonly string[]): Middleware {
  const common = { methods: ["GET", "POST", "OPTIONS"], allowedHeaders: ALLOWED_HEADERS, exposedHeaders: EXPOSED_HEADERS, maxAge: 600 };
  if (origins.length === 0) return cors({ ...common, origin: false });
  if (origins.includes("*")) return cors({ ...common, origin: "*", credentials: false });
  const allowed = new Set(origins);
  // Stryker disable next-line ConditionalExpression: the set holds no undefined; the check is for the type
  return cors({ ...common, origin: (origin, done) => done(null, origin !== undefined && allowed.has(origin)), credentials: true });
}
