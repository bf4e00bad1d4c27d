import type { GraphQLFormattedError } from "graphql";
import { ErrorCode, type ForbiddenReason } from "../common/errors";
import { UsageOutcome } from "../usage/usage-event";

/** How one request ended, computed once and read by the request log, the metrics and metering. */
export interface RequestOutcome {
  /** The HTTP status; over the socket, the status HTTP would have answered with. */
  status: number;
  /** The codes of the errors the client received (after masking), in order. */
  codes: string[];
  /** One word: `OK`, or the first error's code (`ERROR` for an internal one). */
  code: string;
  /** What metering stores for a request made with an API key. */
  usage: UsageOutcome;
  /** The `reason` of an UNAUTHENTICATED answer. */
  authFailure?: string;
}

const INVALID_CODES = new Set<string>([
  ErrorCode.GRAPHQL_PARSE_FAILED,
  ErrorCode.GRAPHQL_VALIDATION_FAILED,
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.BAD_REQUEST,
  ErrorCode.OPERATION_RESOLUTION_FAILURE,
  ErrorCode.PERSISTED_QUERY_NOT_FOUND,
  ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
]);
// Answers to a correct request (an id that is not there) are not faults.
const ALLOWED_CODES = new Set<string>([ErrorCode.NOT_FOUND]);

/** The status of a refusal (an answer without data) on either transport; an answer with data keeps the status it was sent with. */
const STATUS_OF_CODE: Partial<Record<string, number>> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.SERVICE_UNAVAILABLE]: 503,
  [ErrorCode.GRAPHQL_PARSE_FAILED]: 400,
  [ErrorCode.GRAPHQL_VALIDATION_FAILED]: 400,
  [ErrorCode.BAD_REQUEST]: 400,
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.OPERATION_RESOLUTION_FAILURE]: 400,
  [ErrorCode.PERSISTED_QUERY_NOT_FOUND]: 400,
  [ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED]: 400,
  [ErrorCode.INTERNAL_SERVER_ERROR]: 500,
};

/** Seconds a client should wait before retrying while the database is away. */
export const RETRY_AFTER_SECONDS = 5;

function usageOf(codes: string[], reasons: unknown[]): UsageOutcome {
  if (codes.length === 0) return UsageOutcome.ALLOWED;
  if (reasons.includes("IP_NOT_ALLOWED" satisfies ForbiddenReason)) return UsageOutcome.IP_NOT_ALLOWED;
  if (codes.includes(ErrorCode.RATE_LIMITED)) return UsageOutcome.RATE_LIMITED;
  if (codes.includes(ErrorCode.FORBIDDEN)) return UsageOutcome.FORBIDDEN;
  if (codes.some((c) => INVALID_CODES.has(c))) return UsageOutcome.INVALID;
  if (codes.every((c) => ALLOWED_CODES.has(c))) return UsageOutcome.ALLOWED;
  return UsageOutcome.ERROR;
}

/** The status of an answer carrying these codes: the database away always wins (503), then a refusal's own. */
export function statusOf(codes: readonly string[], answered?: number): number {
  if (codes.includes(ErrorCode.SERVICE_UNAVAILABLE)) return 503;
  if (answered !== undefined) return answered;
  const refusal = codes.find((c) => STATUS_OF_CODE[c] !== undefined);
  return refusal ? (STATUS_OF_CODE[refusal] ?? 200) : 200;
}

/**
 * The one outcome of a request, from the errors as the client received them (already through the
 * error formatter, so an outage reads SERVICE_UNAVAILABLE and an internal error INTERNAL_SERVER_ERROR)
 * and, over HTTP, the status Apollo chose.
 */
export function requestOutcome(errors: readonly GraphQLFormattedError[] | undefined, answeredStatus?: number): RequestOutcome {
  const codes = (errors ?? []).map((e) => String(e.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR));
  const first = codes[0];
  const reason = errors?.find((e) => e.extensions?.code === ErrorCode.UNAUTHENTICATED)?.extensions?.reason;
  return {
    status: statusOf(codes, answeredStatus),
    codes,
    code: first === undefined ? "OK" : first === ErrorCode.INTERNAL_SERVER_ERROR ? "ERROR" : first,
    usage: usageOf(
      codes,
      (errors ?? []).map((e) => e.extensions?.reason),
    ),
    ...(reason !== undefined ? { authFailure: String(reason) } : {}),
  };
}
