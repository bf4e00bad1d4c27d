export interface UsageEventRow {
  id: string;
  occurredAt: string;
  operationType: string;
  operationName: string | null;
  resources: string[];
  outcome: string;
  durationMs: number | null;
}

/** Newest first, each event once, whichever way (stored log or live stream) it arrived. */
export function mergeEvents(current: UsageEventRow[], incoming: UsageEventRow[]): UsageEventRow[] {
  const byId = new Map(current.map((e) => [e.id, e]));
  for (const event of incoming) byId.set(event.id, event);
  return [...byId.values()].sort((a, b) => (a.occurredAt === b.occurredAt ? (a.id < b.id ? 1 : -1) : a.occurredAt < b.occurredAt ? 1 : -1));
}
