/** Per-key usage counters. Metering itself lands with the usage issue; until then keys read zero. */
export interface UsageCountsValue {
  last24h: number;
  last7d: number;
  last30d: number;
}

export class UsageService {
  async countsFor(keyIds: readonly string[]): Promise<Map<string, UsageCountsValue>> {
    return new Map(keyIds.map((id) => [id, { last24h: 0, last7d: 0, last30d: 0 }]));
  }

  async lastUsedFor(keyIds: readonly string[]): Promise<Map<string, Date | null>> {
    return new Map(keyIds.map((id) => [id, null]));
  }
}
