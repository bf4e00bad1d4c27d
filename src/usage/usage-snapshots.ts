import { LRUCache } from "lru-cache";
import type { ApiKeyEntity } from "../entities/api-key.entity";
import type { UsageCountsValue } from "./usage-reader";

export interface UsageSnapshot {
  apiKey: ApiKeyEntity | null;
  usage: UsageCountsValue;
  lastUsedAt: Date | null;
}

export type SnapshotLoader = (workspaceId: string, apiKeyId: string) => Promise<UsageSnapshot>;

/**
 * One read per key per update, shared by every subscriber of this instance. A change wakes all of
 * a key's `apiKeyUsage` subscribers at once; without sharing, a thousand watchers of one key
 * would cost three thousand statements a second. Entries live for less than the 1 s update gap,
 * so the next change always reads afresh; concurrent misses share one load.
 */
export class UsageSnapshots {
  private readonly cache: LRUCache<string, UsageSnapshot>;

  constructor(load: SnapshotLoader, ttlMs = 250) {
    this.cache = new LRUCache<string, UsageSnapshot>({
      max: 10_000,
      ttl: ttlMs,
      fetchMethod: (key) => {
        const [workspaceId, apiKeyId] = key.split("/");
        return load(workspaceId, apiKeyId);
      },
    });
  }

  /** Workspace-scoped: a key of another workspace reads as absent (`apiKey: null`). */
  async get(workspaceId: string, apiKeyId: string): Promise<UsageSnapshot> {
    return (await this.cache.fetch(`${workspaceId}/${apiKeyId}`)) as UsageSnapshot;
  }
}
