import { LRUCache } from "lru-cache";
import { SecurityAlertKind } from "../entities/security-alert.entity";
import type { Logger } from "../logger";
import type { UsageDigestEntry } from "../usage/bus-messages";
import type { Bus } from "../bus/event-bus";
import type { UsageTopics } from "../usage/bus-messages";
import type { UsageBatch } from "../usage/usage-batch";
import { countsAsUsage, UsageOutcome } from "../usage/usage-event";
import type { FreshAddress } from "../usage/usage-writer";
import type { AlertCandidate } from "./security-alert.service";

export const WINDOW_SECONDS = 60;
export const SPIKE_FLOOR = 100;
export const BURST_THRESHOLD = 20;
const HOUR_MS = 3_600_000;
const SPIKE_COOLDOWN_MS = HOUR_MS;
const BURST_COOLDOWN_MS = 10 * 60_000;
const ADDRESS_COOLDOWN_MS = 24 * HOUR_MS;
/** NEW_CLIENT_ADDRESS alerts told one by one per key and minute; the rest of the minute's are summarised in one. */
export const ADDRESSES_PER_MINUTE = 5;
/** Digests waiting to be observed at most (each is one flush of one instance). */
const DIGESTS_PENDING = 1000;

const refused = (outcome: UsageOutcome) => outcome === UsageOutcome.FORBIDDEN || outcome === UsageOutcome.IP_NOT_ALLOWED;

/** One committed batch as digest entries (a handful per key, whatever the traffic). */
export function digestOf(batch: UsageBatch): UsageDigestEntry[] {
  const entries = new Map<string, UsageDigestEntry>();
  let last: UsageDigestEntry | undefined;
  for (let i = 0; i < batch.length; i++) {
    const shape = batch.shapes[batch.shapeOf[i]];
    if (!countsAsUsage(shape.outcome)) continue;
    const t = batch.occurredAt[i];
    const s = Math.floor(t / 1000);
    // Events come in runs of one key and second: the entry of the last one is looked up by name only when the run ends.
    let entry = last !== undefined && last.s === s && last.k === shape.apiKeyId ? last : undefined;
    if (!entry) {
      const id = `${shape.apiKeyId}:${s}`;
      entry = entries.get(id);
      if (!entry) {
        entry = { k: shape.apiKeyId, w: shape.workspaceId, s, t, n: 0, f: 0 };
        entries.set(id, entry);
      }
    }
    last = entry;
    entry.t = Math.max(entry.t, t);
    entry.n += 1;
    if (refused(shape.outcome)) entry.f += 1;
  }
  return [...entries.values()];
}

/** A key's last 60 s as per-second counts (at most 60 buckets, whatever the rate). */
class KeyWindow {
  private readonly buckets: { s: number; n: number; f: number }[] = [];

  add(entry: UsageDigestEntry): { counted: number; refused: number } {
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.s === entry.s) {
      last.n += entry.n;
      last.f += entry.f;
    } else {
      this.buckets.push({ s: entry.s, n: entry.n, f: entry.f });
      this.buckets.sort((a, b) => a.s - b.s);
    }
    const newest = this.buckets[this.buckets.length - 1].s;
    while (this.buckets.length > 0 && this.buckets[0].s <= newest - WINDOW_SECONDS) this.buckets.shift();
    let counted = 0;
    let refusedCount = 0;
    for (const bucket of this.buckets) {
      counted += bucket.n;
      refusedCount += bucket.f;
    }
    return { counted, refused: refusedCount };
  }
}

/**
 * USAGE_SPIKE, FORBIDDEN_BURST and NEW_CLIENT_ADDRESS, from what metering already carries: every
 * instance publishes a digest of each committed flush, and every instance adds every digest to
 * its sliding windows, so each sees all traffic. All of them may then propose the same alert; the
 * store keeps one. Within one instance a proposal is not repeated during its cooldown.
 */
export class UsageAlertDetector {
  private readonly windows = new LRUCache<string, KeyWindow>({ max: 100_000 });
  private readonly quietUntil = new LRUCache<string, number>({ max: 100_000 });
  private readonly baselines = new LRUCache<string, number>({ max: 10_000, ttl: 60_000 });
  private stopListening: () => void = () => undefined;

  constructor(
    private readonly bus: Bus<UsageTopics>,
    private readonly raise: (candidates: AlertCandidate[]) => Promise<unknown>,
    /** Counted requests of the key in the 24 h before now, from the rollups (read only near a spike). */
    private readonly last24h: (apiKeyId: string) => Promise<number>,
    private readonly logger: Logger,
  ) {}

  /** Called with each batch this instance committed: tell every instance what it holds. */
  committed(batch: UsageBatch): void {
    const entries = digestOf(batch);
    if (entries.length > 0) this.bus.publish("grantql.usage.digest", { entries });
  }

  /** Listens to every instance's digests and to this instance's committed batches and fresh addresses. */
  start(): void {
    // Entries are observed one at a time, in the order they came (a window adds them in order); at
    // most DIGESTS_PENDING digests wait, so a slow database cannot make the backlog grow without bound.
    let observing = Promise.resolve();
    let pending = 0;
    const offDigests = this.bus.on("grantql.usage.digest", undefined, ({ entries }) => {
      if (pending >= DIGESTS_PENDING) return;
      pending += 1;
      observing = observing.then(async () => {
        for (const entry of entries) {
          await this.observe(entry).catch((error) => this.logger.warn({ err: error, apiKeyId: entry.k }, "usage alert check failed"));
        }
        pending -= 1;
      });
    });
    const offCommitted = this.bus.on("grantql.usage.committed", undefined, (batch) => this.committed(batch));
    const offFresh = this.bus.on("grantql.usage.fresh-addresses", undefined, ({ fresh, shapes }) => {
      const workspaces = new Map(shapes.map((shape) => [shape.apiKeyId, shape.workspaceId]));
      void this.freshAddresses(fresh, (id) => workspaces.get(id));
    });
    this.stopListening = () => {
      offDigests();
      offCommitted();
      offFresh();
    };
  }

  stop(): void {
    this.stopListening();
  }

  /** New addresses of a batch this instance committed (the writer found them): all but a key's very first. */
  freshAddresses(fresh: readonly FreshAddress[], workspaceOf: (apiKeyId: string) => string | undefined): Promise<unknown> {
    const firstOfKey = new Map<string, FreshAddress>();
    for (const f of fresh) {
      const first = firstOfKey.get(f.apiKeyId);
      if (f.firstUse && (!first || f.firstAt < first.firstAt)) firstOfKey.set(f.apiKeyId, f);
    }
    const candidates = fresh
      .filter((f) => firstOfKey.get(f.apiKeyId) !== f && workspaceOf(f.apiKeyId))
      .map((f): AlertCandidate => {
        const at = new Date(f.firstAt);
        return {
          workspaceId: workspaceOf(f.apiKeyId)!,
          apiKeyId: f.apiKeyId,
          kind: SecurityAlertKind.NEW_CLIENT_ADDRESS,
          occurredAt: at,
          message: (name) => `Key "${name}" was used from a new address: ${f.address}`,
          details: { address: f.address },
          subject: f.address,
          dedupeKey: `${f.address}@${at.toISOString().slice(0, 10)}`,
          cooldownMs: ADDRESS_COOLDOWN_MS,
          perMinute: ADDRESSES_PER_MINUTE,
        };
      });
    return candidates.length > 0 ? this.raise(candidates) : Promise.resolve();
  }

  private async observe(entry: UsageDigestEntry): Promise<void> {
    let window = this.windows.get(entry.k);
    if (!window) {
      window = new KeyWindow();
      this.windows.set(entry.k, window);
    }
    const { counted, refused: refusedCount } = window.add(entry);
    if (refusedCount >= BURST_THRESHOLD && this.due(SecurityAlertKind.FORBIDDEN_BURST, entry, BURST_COOLDOWN_MS)) {
      await this.raise([
        this.candidate(
          entry,
          SecurityAlertKind.FORBIDDEN_BURST,
          BURST_COOLDOWN_MS,
          { refused: refusedCount, windowSeconds: WINDOW_SECONDS },
          (name) => `Key "${name}" was refused ${refusedCount} times within 60 s`,
        ),
      ]);
    }
    if (counted > SPIKE_FLOOR && !this.quiet(SecurityAlertKind.USAGE_SPIKE, entry)) {
      const threshold = await this.spikeThreshold(entry.k, counted);
      if (counted > threshold && this.due(SecurityAlertKind.USAGE_SPIKE, entry, SPIKE_COOLDOWN_MS)) {
        await this.raise([
          this.candidate(
            entry,
            SecurityAlertKind.USAGE_SPIKE,
            SPIKE_COOLDOWN_MS,
            { requests: counted, windowSeconds: WINDOW_SECONDS, threshold },
            (name) => `Key "${name}" made ${counted} requests within 60 s (threshold ${threshold})`,
          ),
        ]);
      }
    }
  }

  /** max(100, 10 × the previous 24 h's requests ÷ 1,440); the rollups are read at most once a minute per key. */
  private async spikeThreshold(apiKeyId: string, inWindow: number): Promise<number> {
    let day = this.baselines.get(apiKeyId);
    if (day === undefined) {
      day = await this.last24h(apiKeyId);
      this.baselines.set(apiKeyId, day);
    }
    const previous = Math.max(0, day - inWindow);
    return Math.max(SPIKE_FLOOR, Math.floor((10 * previous) / 1440));
  }

  private quiet(kind: SecurityAlertKind, entry: UsageDigestEntry): boolean {
    return (this.quietUntil.get(`${kind}:${entry.k}`) ?? -Infinity) > entry.t;
  }

  /** True once per cooldown per key on this instance; the store decides across instances. */
  private due(kind: SecurityAlertKind, entry: UsageDigestEntry, cooldownMs: number): boolean {
    if (this.quiet(kind, entry)) return false;
    this.quietUntil.set(`${kind}:${entry.k}`, entry.t + cooldownMs);
    return true;
  }

  private candidate(
    entry: UsageDigestEntry,
    kind: SecurityAlertKind,
    cooldownMs: number,
    details: Record<string, unknown>,
    message: (name: string) => string,
  ): AlertCandidate {
    return {
      workspaceId: entry.w,
      apiKeyId: entry.k,
      kind,
      occurredAt: new Date(entry.t),
      message,
      details,
      dedupeKey: String(entry.t),
      cooldownMs,
    };
  }
}
