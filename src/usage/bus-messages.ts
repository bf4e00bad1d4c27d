import type { SecurityAlertKind } from "../entities/security-alert.entity";

/*
 * Payloads of the bus's topics that the alert detectors publish or read. They are declared here,
 * beside the bus that carries them, so that metering (this folder) never imports the alerts above it.
 */

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
