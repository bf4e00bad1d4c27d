import { unwrapResolverError } from "@apollo/server/errors";
import { GraphQLFormattedError } from "graphql";
import { ErrorCode } from "../common/errors";
import { fieldsOfVariableError } from "../hardening/variable-errors";
import type { Logger } from "../logger";

const CONNECTION_FAILURES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "57P01", "57P03", "08000", "08003", "08006"]);

/** True for errors that mean the database could not be reached, not that a query was wrong. */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  const e = error as { code?: string; message?: string; thrownValue?: unknown; cause?: unknown } | undefined;
  if (!e || depth > 3) return false;
  // graphql-js wraps a value that is not an Error of its own realm (as happens under jest's VM) in
  // NonErrorThrown; a driver may chain the socket error as `cause`. Look through both.
  if (e.thrownValue !== undefined && isDatabaseUnavailable(e.thrownValue, depth + 1)) return true;
  if (e.cause !== undefined && isDatabaseUnavailable(e.cause, depth + 1)) return true;
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
    if (code === ErrorCode.BAD_USER_INPUT && !extensions.fields) {
      // A variable refused by graphql-js itself: name the field as every other BAD_USER_INPUT does.
      const fields = fieldsOfVariableError(formatted.message);
      if (fields) return { ...formatted, extensions: { ...extensions, fields } };
    }
    return { ...formatted, extensions };
  };
}
