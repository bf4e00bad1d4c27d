import type { Clock } from "../common/clock";
import type { Bus } from "../bus/event-bus";
import type { UsageTopics } from "./bus-messages";
import type { UsageEventLog } from "./usage-event-log";
import type { UsageBatch } from "./usage-batch";
import { countsAsUsage, UsageEventRecord } from "./usage-event";
import type { UsageCountsValue, UsageGranularity, UsagePointValue, UsageReader } from "./usage-reader";
import type { UsageRecorder } from "./usage-recorder";

export type { UsageCountsValue } from "./usage-reader";

/**
 * Usage metering as the rest of the process sees it: the recorder (the write path), the counters
 * and series read from the rollups, and the stored events. `services.ts` builds and starts its
 * parts and stops them at shutdown.
 */
export class UsageService {
  constructor(
    readonly recorder: UsageRecorder,
    readonly reader: UsageReader,
    /** Stored events, newest first, within USAGE_RETENTION_DAYS (the `usageEventLog` query). */
    readonly eventLog: UsageEventLog,
    private readonly clock: Clock,
  ) {}

  countsFor(keyIds: readonly string[]): Promise<Map<string, UsageCountsValue>> {
    return this.reader.countsFor(keyIds, this.clock.now());
  }

  lastUsedFor(keyIds: readonly string[]): Promise<Map<string, Date | null>> {
    return this.reader.lastUsedFor(keyIds);
  }

  series(keyId: string, granularity: UsageGranularity, from: Date, to: Date): Promise<UsagePointValue[]> {
    return this.reader.series(keyId, granularity, from, to);
  }
}

/**
 * A committed batch, on the bus: its events and which keys' counters changed, per workspace (each
 * workspace's own route), and the batch itself to this instance's listeners.
 */
export function publishCommitted(bus: Bus<UsageTopics>, batch: UsageBatch): void {
  // The committed records themselves, not copies: in-process subscribers read them as they
  // are, and through Redis JSON turns each time into its ISO string on the way.
  const records = batch.records();
  const workspaces = new Set(batch.shapes.map((shape) => shape.workspaceId));
  // One workspace (the common case) publishes the batch's records as they are; several are split.
  const byWorkspace = workspaces.size === 1 ? new Map([[batch.shapes[0].workspaceId, records]]) : byWorkspaceOf(records);
  for (const [workspaceId, list] of byWorkspace) {
    bus.publish("grantql.usage.events", { events: list }, workspaceId);
    const counted = batch.shapes.filter((shape) => shape.workspaceId === workspaceId && countsAsUsage(shape.outcome));
    const apiKeyIds = [...new Set(counted.map((shape) => shape.apiKeyId))];
    if (apiKeyIds.length > 0) bus.publish("grantql.usage.changed", { apiKeyIds }, workspaceId);
  }
  bus.publish("grantql.usage.committed", batch);
}

function byWorkspaceOf(records: readonly UsageEventRecord[]): Map<string, readonly UsageEventRecord[]> {
  const lists = new Map<string, UsageEventRecord[]>();
  for (const record of records) {
    const list = lists.get(record.workspaceId);
    if (list) list.push(record);
    else lists.set(record.workspaceId, [record]);
  }
  return lists;
}
