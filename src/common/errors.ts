import { GraphQLError } from "graphql";

/** The closed set of error codes a client can receive (docs/API.md, "Errors"). */
export enum ErrorCode {
  UNAUTHENTICATED = "UNAUTHENTICATED",
  FORBIDDEN = "FORBIDDEN",
  BAD_USER_INPUT = "BAD_USER_INPUT",
  NOT_FOUND = "NOT_FOUND",
  RATE_LIMITED = "RATE_LIMITED",
  SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE",
  INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR",
  /** Apollo's code over HTTP; the socket answers it the same way. */
  OPERATION_RESOLUTION_FAILURE = "OPERATION_RESOLUTION_FAILURE",
  /** A body asking for an automatic persisted query, which this server does not take (Apollo's code and answer over HTTP). */
  PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED",
}

/** Why a credential was refused; `MISSING` only where the operation needs one. */
export type AuthFailureReason = "MISSING" | "MALFORMED" | "INVALID" | "EXPIRED" | "REVOKED";

export interface FieldError {
  field: string;
  message: string;
}

const AUTH_MESSAGES: Record<AuthFailureReason, string> = {
  MISSING: "Authentication required: send Authorization: Bearer <token>",
  MALFORMED: "The bearer token is malformed",
  INVALID: "The bearer token is not valid",
  EXPIRED: "The bearer token has expired",
  REVOKED: "The token has been revoked",
};

function httpHeaders(entries: [string, string][]): Map<string, string> {
  return new Map(entries);
}

export function unauthenticated(reason: AuthFailureReason, message = AUTH_MESSAGES[reason]): GraphQLError {
  const challenge = reason === "MISSING" ? "Bearer" : 'Bearer error="invalid_token"';
  return new GraphQLError(message, {
    extensions: {
      code: ErrorCode.UNAUTHENTICATED,
      reason,
      http: { status: 401, headers: httpHeaders([["www-authenticate", challenge]]) },
    },
  });
}

/**
 * `missingPermissions` is given for a grant-based refusal and absent when the caller's kind or
 * role may not run the operation at all.
 */
export function forbidden(message: string, missingPermissions?: string[]): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: ErrorCode.FORBIDDEN,
      ...(missingPermissions ? { missingPermissions } : {}),
      http: { status: 403 },
    },
  });
}

export function badUserInput(fields: FieldError[]): GraphQLError {
  const message = fields.map((f) => `${f.field}: ${f.message}`).join("; ");
  return new GraphQLError(`Invalid input: ${message}`, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, fields },
  });
}

export function notFound(what: string, field = "id"): GraphQLError {
  return new GraphQLError(`No ${what} with this ${field} in your workspace`, {
    extensions: { code: ErrorCode.NOT_FOUND, field },
  });
}

export function rateLimited(retryAfterSeconds: number, reason = "Rate limit exceeded", limit?: "RATE_LIMIT"): GraphQLError {
  return new GraphQLError(`${reason}; retry after ${retryAfterSeconds} s`, {
    extensions: {
      code: ErrorCode.RATE_LIMITED,
      // Which limit refused, where a key has several (its rate limit, cost budget, credits: docs/API.md).
      ...(limit ? { reason: limit } : {}),
      retryAfter: retryAfterSeconds,
      http: { status: 429, headers: httpHeaders([["retry-after", String(retryAfterSeconds)]]) },
    },
  });
}

/**
 * A key's cost budget or credits refused the request (docs/API.md, "Cost budgets and credits"):
 * 429 RATE_LIMITED with `reason`, and `Retry-After` when waiting helps (no refill: it does not).
 */
export function spendRefused(reason: "COST_BUDGET" | "CREDITS_EXHAUSTED", message: string, retryAfterSeconds: number | null): GraphQLError {
  const retry = retryAfterSeconds === null ? {} : { retryAfter: retryAfterSeconds };
  const headers = retryAfterSeconds === null ? undefined : httpHeaders([["retry-after", String(retryAfterSeconds)]]);
  const text = retryAfterSeconds === null ? message : `${message}; retry after ${retryAfterSeconds} s`;
  return new GraphQLError(text, {
    extensions: { code: ErrorCode.RATE_LIMITED, reason, ...retry, http: { status: 429, ...(headers ? { headers } : {}) } },
  });
}

/**
 * Over a limit that waiting does not lift (sockets of a session, operations on a socket): 429
 * without `Retry-After`; `reason` names the limit. The caller frees one and tries again.
 */
export function overLimit(message: string, reason: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.RATE_LIMITED, reason, http: { status: 429 } } });
}

/** `operationName` names no operation of the document, or several operations come without one: Apollo's words over HTTP. */
export function operationResolutionFailure(operationName: string | null | undefined): GraphQLError {
  const message = operationName
    ? `Unknown operation named "${operationName}".`
    : "Must provide operation name if query contains multiple operations.";
  return new GraphQLError(message, { extensions: { code: ErrorCode.OPERATION_RESOLUTION_FAILURE, http: { status: 400 } } });
}

/** Apollo's answer to `extensions.persistedQuery` while persisted queries are off: 200, so APQ clients fall back to sending the text. */
export function persistedQueryNotSupported(): GraphQLError {
  return new GraphQLError("PersistedQueryNotSupported", {
    extensions: { code: ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED, http: { status: 200 } },
  });
}
