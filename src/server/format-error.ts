import { unwrapResolverError } from "@apollo/server/errors";
import { GraphQLError, GraphQLFormattedError } from "graphql";
import { ErrorCode } from "../common/errors";
import { fieldsOfVariableError } from "./guards/variable-errors";
import type { Logger } from "../logger";

/**
 * Socket failures, and PostgreSQL refusing connections: shutting down (57P01-57P03), too many
 * clients (53300), not accepting connections (55000), and every connection exception (class 08).
 */
const CONNECTION_FAILURES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "57P01", "57P02", "57P03", "53300", "55000"]);

/** True for errors that mean the database could not be reached or refuses connections, not that a query was wrong. */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  const e = error as { code?: string; message?: string; thrownValue?: unknown; cause?: unknown; originalError?: unknown } | undefined;
  if (!e || depth > 3) return false;
  // graphql-js wraps a value that is not an Error of its own realm (as happens under jest's VM) in
  // NonErrorThrown; a driver may chain the socket error as `cause`; a GraphQLError keeps it as
  // `originalError`. Look through all three.
  for (const inner of [e.thrownValue, e.cause, e.originalError])
    if (inner !== undefined && inner !== e && isDatabaseUnavailable(inner, depth + 1)) return true;
  if (typeof e.code === "string" && (CONNECTION_FAILURES.has(e.code) || /^08[0-9A-Z]{3}$/.test(e.code))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|Client has encountered a connection error/i.test(
    e.message ?? "",
  );
}

/** A thrown value as a GraphQLError, so a transport can send it (the formatter decides what the client sees). */
export function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const original = error instanceof Error ? error : new Error(String(error));
  return new GraphQLError(original.message, { originalError: original });
}

function alreadyMasked(error: unknown): boolean {
  return error instanceof GraphQLError && error.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR;
}

/** What a client sees of any thrown value, through the formatter (for the socket and refused contexts). */
export function formatThrown(format: ErrorFormatter, error: unknown): GraphQLFormattedError {
  const graphqlError = asGraphQLError(error);
  return format(graphqlError.toJSON(), graphqlError);
}

export type ErrorFormatter = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/**
 * The single formatter: known codes pass through; anything else is an internal error whose
 * details go to the log, not to the client (outside development). It is also the one place that
 * tells a database outage from a bug: the outage reads SERVICE_UNAVAILABLE, which the request's
 * outcome turns into 503 with Retry-After.
 */
export function createErrorFormatter(logger: Logger, exposeInternals: boolean): ErrorFormatter {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const code = formatted.extensions?.code as string | undefined;
    const { stacktrace: _stack, http: _http, ...extensions } = formatted.extensions ?? {};
    if (isDatabaseUnavailable(original)) {
      return {
        message: "The service is temporarily unavailable; try again shortly",
        path: formatted.path,
        extensions: { code: ErrorCode.SERVICE_UNAVAILABLE },
      };
    }
    if (!code || code === ErrorCode.INTERNAL_SERVER_ERROR) {
      // An error this formatter already masked (refused while its context was built) is logged once.
      if (!alreadyMasked(original)) logger.error({ err: original, path: formatted.path }, "unexpected error in an operation");
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
