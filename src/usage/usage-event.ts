import type { Resource } from "../auth/resource";

/** How a metered request ended (docs/API.md, "Usage metering"). */
export enum UsageOutcome {
  ALLOWED = "ALLOWED",
  FORBIDDEN = "FORBIDDEN",
  INVALID = "INVALID",
  ERROR = "ERROR",
  REJECTED = "REJECTED",
  RATE_LIMITED = "RATE_LIMITED",
  IP_NOT_ALLOWED = "IP_NOT_ALLOWED",
}

/** What a caller hands to `UsageRecorder.record`; the recorder adds the id and, if absent, the time. */
export interface UsageEventInput {
  workspaceId: string;
  apiKeyId: string;
  /** Defaults to the injected clock's now. */
  occurredAt?: Date;
  /** `query`, `mutation` or `subscription`. */
  operationType: string;
  operationName?: string | null;
  resources?: readonly Resource[];
  outcome: UsageOutcome;
  durationMs?: number | null;
  /** The request's client address as read (`req.ip`); normalized off the request path, at flush. */
  clientAddress?: string | null;
}

/** One recorded event, as buffered, stored, and published (the id is the stored row's id). */
export interface UsageEventRecord {
  id: string;
  workspaceId: string;
  apiKeyId: string;
  occurredAt: Date;
  operationType: string;
  operationName: string | null;
  resources: Resource[];
  outcome: UsageOutcome;
  durationMs: number | null;
  /** Not a field of `usageEvents`; the flush turns it into `lastUsedFrom` and the key's recent addresses. */
  clientAddress?: string | null;
}

/** An event as the bus delivers it: the record itself in-process; after a trip through JSON (Redis), its time is an ISO string. */
export type UsageEventMessage = Omit<UsageEventRecord, "occurredAt"> & { occurredAt: Date | string };

/**
 * Whether an event counts in `usage` and `usageSeries`. A REJECTED request presented a key that no
 * longer works: it is streamed and stored for security staff, but it is not usage of the key.
 */
export function countsAsUsage(outcome: UsageOutcome): boolean {
  return outcome !== UsageOutcome.REJECTED;
}
