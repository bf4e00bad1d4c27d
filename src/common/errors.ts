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

export function rateLimited(retryAfterSeconds: number, reason = "Rate limit exceeded"): GraphQLError {
  return new GraphQLError(`${reason}; retry after ${retryAfterSeconds} s`, {
    extensions: {
      code: ErrorCode.RATE_LIMITED,
      retryAfter: retryAfterSeconds,
      http: { status: 429, headers: httpHeaders([["retry-after", String(retryAfterSeconds)]]) },
    },
  });
}
