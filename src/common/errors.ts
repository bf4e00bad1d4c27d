import { GraphQLError } from "graphql";

/**
 * The closed set of error codes a client can receive, Apollo's own included (docs/API.md,
 * "Errors", lists each with its HTTP status). Nothing else is ever sent as `extensions.code`.
 */
export enum ErrorCode {
  UNAUTHENTICATED = "UNAUTHENTICATED",
  FORBIDDEN = "FORBIDDEN",
  BAD_USER_INPUT = "BAD_USER_INPUT",
  NOT_FOUND = "NOT_FOUND",
  RATE_LIMITED = "RATE_LIMITED",
  SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE",
  INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR",
  /** Apollo's code for a document that does not parse; the socket and the token limit send it too. */
  GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED",
  /** Apollo's code for a document that does not validate; the query limits and the response bound send it too. */
  GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED",
  /** Apollo's code over HTTP; the socket answers it the same way. */
  OPERATION_RESOLUTION_FAILURE = "OPERATION_RESOLUTION_FAILURE",
  /** A request the GraphQL layer cannot take (Apollo's code, with 400, 405 or 406; the body reader's, with 400 or 415; a text sent with an id it does not hash to). */
  BAD_REQUEST = "BAD_REQUEST",
  /** A body over 1 MiB, refused before it is parsed. */
  PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE",
  /** A `persistedQuery` extension of a version other than 1. */
  PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED",
  /** A persisted id (documentId, persistedQuery.sha256Hash) that names none of the workspace's trusted operations. */
  PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND",
}

/**
 * Every `extensions.reason` the server sends, by the code it comes with (docs/API.md, "Errors"):
 * which rule refused. Nothing else is ever sent as a reason.
 */
export const ERROR_REASONS = {
  [ErrorCode.UNAUTHENTICATED]: ["MISSING", "MALFORMED", "INVALID", "EXPIRED", "REVOKED"],
  [ErrorCode.FORBIDDEN]: ["IP_NOT_ALLOWED", "OPERATION_NOT_TRUSTED"],
  [ErrorCode.RATE_LIMITED]: ["RATE_LIMIT", "COST_BUDGET", "CREDITS_EXHAUSTED", "SOCKETS_PER_SESSION", "OPERATIONS_PER_SOCKET"],
} as const satisfies Partial<Record<ErrorCode, readonly string[]>>;

type ReasonOf<C extends keyof typeof ERROR_REASONS> = (typeof ERROR_REASONS)[C][number];
/** Why a credential was refused; `MISSING` only where the operation needs one. */
export type AuthFailureReason = ReasonOf<ErrorCode.UNAUTHENTICATED>;
export type ForbiddenReason = ReasonOf<ErrorCode.FORBIDDEN>;
export type RateLimitReason = ReasonOf<ErrorCode.RATE_LIMITED>;

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
export function overLimit(message: string, reason: RateLimitReason): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.RATE_LIMITED, reason, http: { status: 429 } } });
}

/** `operationName` names no operation of the document, or several operations come without one: Apollo's words over HTTP. */
export function operationResolutionFailure(operationName: string | null | undefined): GraphQLError {
  const message = operationName
    ? `Unknown operation named "${operationName}".`
    : "Must provide operation name if query contains multiple operations.";
  return new GraphQLError(message, { extensions: { code: ErrorCode.OPERATION_RESOLUTION_FAILURE, http: { status: 400 } } });
}

/** 400: the request's persisted id names none of its workspace's trusted operations (section "Trusted operations"). */
export function persistedQueryNotFound(): GraphQLError {
  return new GraphQLError("PersistedQueryNotFound: no trusted operation of your workspace has this id", {
    extensions: { code: ErrorCode.PERSISTED_QUERY_NOT_FOUND, http: { status: 400 } },
  });
}

/** 400: a `persistedQuery` extension of a version other than 1. */
export function persistedQueryVersionNotSupported(): GraphQLError {
  return new GraphQLError("PersistedQueryNotSupported: only persistedQuery version 1 is supported", {
    extensions: { code: ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED, http: { status: 400 } },
  });
}

/** 400 BAD_REQUEST: the request is malformed as sent. */
export function badRequest(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_REQUEST, http: { status: 400 } } });
}

/** 403: a key held to trusted operations sent another one; nothing of it ran. */
export function operationNotTrusted(): GraphQLError {
  return new GraphQLError("This key may run only its trusted operations, and this is not one of them", {
    extensions: { code: ErrorCode.FORBIDDEN, reason: "OPERATION_NOT_TRUSTED", http: { status: 403 } },
  });
}
