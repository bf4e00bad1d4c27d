import { unwrapResolverError } from "@apollo/server/errors";
import { GraphQLFormattedError } from "graphql";
import { ErrorCode } from "../common/errors";
import type { Logger } from "../logger";

const CONNECTION_FAILURES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "57P01", "57P03", "08000", "08003", "08006"]);

/** True for errors that mean the database could not be reached, not that a query was wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  if (!e) return false;
  if (e.code && CONNECTION_FAILURES.has(e.code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|Client has encountered a connection error/i.test(e.message ?? "");
}

/**
 * The single formatter: known codes pass through; anything else is an internal error whose
 * details go to the log, not to the client (outside development).
 */
export function createErrorFormatter(logger: Logger, exposeInternals: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const code = formatted.extensions?.code as string | undefined;
    const { stacktrace: _stack, http: _http, ...extensions } = formatted.extensions ?? {};
    if (isDatabaseUnavailable(original)) {
      return { message: "The service is temporarily unavailable; try again shortly", path: formatted.path, extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } };
    }
    if (!code || code === ErrorCode.INTERNAL_SERVER_ERROR) {
      logger.error({ err: original, path: formatted.path }, "unexpected error in an operation");
      return {
        message: exposeInternals ? formatted.message : "Internal server error",
        path: formatted.path,
        extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
      };
    }
    return { ...formatted, extensions };
  };
}
