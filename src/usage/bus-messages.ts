import type { SecurityAlertKind } from "../entities/security-alert.entity";
import type { KeyTopics } from "../keys/api-key.service";
import type { UsageBatch, UsageShape } from "./usage-batch";
import type { UsageEventMessage } from "./usage-event";
import type { FreshAddress } from "./usage-writer";

/*
 * The process's bus topics (src/bus/event-bus.ts carries them and knows none of them). The
 * payloads the alert detectors publish or read are declared here too, so that metering (this
 * folder) never imports the alerts above it. Routed topics are published per workspace: a
 * subscriber only ever listens to its own workspace's route.
 */
export type UsageTopics = {
  /** Events of one committed flush for one workspace (route: the workspace id). */
  "grantql.usage.events": { events: readonly UsageEventMessage[] };
  /** Keys whose counters changed in one committed flush (route: the workspace id). */
  "grantql.usage.changed": { apiKeyIds: string[] };
  /** A security alert, once stored, for the workspace's ADMIN and SECURITY members (route: the workspace id). */
  "grantql.alerts.raised": SecurityAlertMessage;
  /** Per committed flush of any instance: counted and refused requests per key and second, for usage alerts. */
  "grantql.usage.digest": { entries: UsageDigestEntry[] };
  /** Local: a batch this instance committed. */
  "grantql.usage.committed": UsageBatch;
  /** Local: addresses a batch this instance committed used for the first time in 30 days, with the batch's shapes (whose key is in which workspace). */
  "grantql.usage.fresh-addresses": { fresh: FreshAddress[]; shapes: readonly UsageShape[] };
};

/** Every topic of the process. */
export type GrantqlTopics = UsageTopics & KeyTopics;

/** Topics whose messages never leave the instance that published them. */
export const LOCAL_TOPICS = [
  "grantql.usage.committed",
  "grantql.usage.fresh-addresses",
] as const satisfies readonly (keyof GrantqlTopics)[];

/** A stored alert as it travels on the bus (JSON: the time is an ISO string). */
export interface SecurityAlertMessage {
  id: string;
  workspaceId: string;
  apiKeyId: string | null;
  kind: SecurityAlertKind;
  occurredAt: string;
  message: string;
  details: Record<string, unknown> | null;
}

/** Requests of one key in one second of one committed flush: what every instance's windows add up. */
export interface UsageDigestEntry {
  /** Key and workspace ids. */
  k: string;
  w: string;
  /** The epoch second, and the latest event time (ms) in it. */
  s: number;
  t: number;
  /** Requests that count in usage, and those refused with FORBIDDEN or IP_NOT_ALLOWED. */
  n: number;
  f: number;
}
