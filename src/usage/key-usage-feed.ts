import type { SubscriberQueue } from "../bus/subscriber-queue";
import type { ApiKeyEntity } from "../entities/api-key.entity";
import type { UsageCountsValue } from "./usage-reader";

/** At most one `apiKeyUsage` message per key per this many milliseconds (docs/API.md, "Streams"). */
export const USAGE_UPDATE_GAP_MS = 1000;

export interface UsageSnapshot {
  apiKey: ApiKeyEntity | null;
  usage: UsageCountsValue;
  lastUsedAt: Date | null;
}

/** Workspace-scoped: a key of another workspace reads as absent (`apiKey: null`). */
export type SnapshotLoader = (workspaceId: string, apiKeyId: string) => Promise<UsageSnapshot>;

/** Listens to "these keys' counters changed" messages of one workspace, as the bus delivers them, until the returned function is called. */
export type ChangeSource = (workspaceId: string, listener: (message: { apiKeyIds: string[] }) => void) => () => void;

/** A subscriber's own bounded queue; `onClose` runs when the subscriber leaves. */
export type QueueSource = (onClose: () => void) => SubscriberQueue<UsageUpdateRoot>;

/**
 * One message of `apiKeyUsage`: the key, and the read of its counters, already settled, that every
 * subscriber woken by the same change shares. A failed read fails this message, not the stream.
 */
export interface UsageUpdateRoot {
  apiKeyId: string;
  snapshot: Promise<UsageSnapshot>;
}

interface Read {
  startedAt: number;
  promise: Promise<UsageSnapshot>;
}

/** One key of one workspace: its pacing and its reads, shared by every subscriber of this instance. */
interface KeyState {
  /** When the last shared update was handed out; the next one waits until the gap after it. */
  lastSent: number;
  /** When the latest change message for the key arrived. */
  changedAt: number;
  /** The next shared update, due at the end of the gap. */
  timer?: NodeJS.Timeout;
  /** A shared update reading or handing out now. */
  emitting: boolean;
  /** The read in flight, which a newcomer's first message may share if it started after the last change. */
  reading?: Read;
  /** The last shared update's read (what a subscriber owed an update gets). */
  latest?: Promise<UsageSnapshot>;
}

class Subscriber {
  /** When this subscriber last got a message; only tracked for one key, where it got a first message. */
  private lastDelivered = -Infinity;
  /** A shared update came too soon after this subscriber's own first message: it goes out at the gap's end. */
  private owed?: NodeJS.Timeout;
  /** Until its first message has gone out, a named key's updates wait (they would overtake it). */
  private opened: boolean;
  /** The shared update that came while the first message was being read, if any. */
  private pendingWhileOpening?: Promise<UsageSnapshot>;
  private closed = false;

  constructor(
    readonly apiKeyId: string | undefined,
    private readonly push: (root: UsageUpdateRoot) => void,
    private readonly keyState: () => KeyState | undefined,
    private readonly gapMs: number,
  ) {
    this.opened = apiKeyId === undefined;
  }

  wants(apiKeyId: string): boolean {
    return this.apiKeyId === undefined || this.apiKeyId === apiKeyId;
  }

  /** A shared update of `apiKeyId`. */
  deliver(apiKeyId: string, snapshot: Promise<UsageSnapshot>): void {
    // Without a key the subscriber only ever gets shared updates, which are a gap apart already.
    if (this.apiKeyId === undefined) return this.push({ apiKeyId, snapshot });
    if (!this.opened) {
      this.pendingWhileOpening = snapshot;
      return;
    }
    const wait = this.lastDelivered + this.gapMs - performance.now();
    if (wait <= 0) return this.send(snapshot);
    this.owe(wait);
  }

  /** The first message (named key only); after it, updates that arrived meanwhile follow a gap later. */
  open(snapshot: Promise<UsageSnapshot>): void {
    this.opened = true;
    this.send(snapshot);
    // Unless the first message was that very read, the update goes out a gap later.
    if (this.pendingWhileOpening && this.pendingWhileOpening !== snapshot) this.owe(this.gapMs);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.owed);
    this.owed = undefined;
  }

  /**
   * At the gap's end: if a shared update is due or under way, this subscriber simply takes it (it
   * comes a full gap after the last shared one, so after this subscriber's gap too) and is in step
   * with the others from then on; otherwise it gets the last shared read, which no change followed.
   */
  private owe(wait: number): void {
    if (this.owed || this.closed) return;
    this.owed = setTimeout(() => {
      this.owed = undefined;
      const state = this.keyState();
      if (!state || state.timer || state.emitting) return;
      if (state.latest) this.send(state.latest);
    }, wait);
  }

  private send(snapshot: Promise<UsageSnapshot>): void {
    this.lastDelivered = performance.now();
    this.push({ apiKeyId: this.apiKeyId!, snapshot });
  }
}

/** The subscribers of one workspace, fed by one subscription to its change messages. */
class WorkspaceFeed {
  readonly subscribers = new Set<Subscriber>();
  private readonly keys = new Map<string, KeyState>();
  private readonly stopListening: () => void;
  /** Its last subscriber left: an update still reading hands out nothing and schedules no other. */
  private closed = false;

  constructor(
    private readonly workspaceId: string,
    changes: ChangeSource,
    private readonly load: SnapshotLoader,
    private readonly gapMs: number,
  ) {
    this.stopListening = changes(workspaceId, ({ apiKeyIds }) => {
      for (const id of apiKeyIds) this.changed(id);
    });
  }

  state(apiKeyId: string): KeyState {
    let state = this.keys.get(apiKeyId);
    if (!state) {
      state = { lastSent: -Infinity, changedAt: -Infinity, emitting: false };
      this.keys.set(apiKeyId, state);
    }
    return state;
  }

  /** A read of the key's counters that started after its last change: shared if one is in flight. */
  read(apiKeyId: string): Read {
    const state = this.state(apiKeyId);
    if (state.reading && state.reading.startedAt >= state.changedAt) return state.reading;
    const read: Read = { startedAt: performance.now(), promise: this.load(this.workspaceId, apiKeyId) };
    state.reading = read;
    const done = () => {
      if (state.reading === read) state.reading = undefined;
    };
    read.promise.then(done, done);
    return read;
  }

  close(): void {
    this.closed = true;
    for (const state of this.keys.values()) clearTimeout(state.timer);
    this.keys.clear();
    this.stopListening();
  }

  private wanted(apiKeyId: string): boolean {
    for (const subscriber of this.subscribers) if (subscriber.wants(apiKeyId)) return true;
    return false;
  }

  private changed(apiKeyId: string): void {
    if (!this.wanted(apiKeyId)) return;
    const state = this.state(apiKeyId);
    state.changedAt = performance.now();
    this.schedule(apiKeyId, state);
  }

  private schedule(apiKeyId: string, state: KeyState): void {
    if (this.closed || state.timer || state.emitting) return; // the update under way or due covers this change
    const wait = state.lastSent + this.gapMs - performance.now();
    if (wait <= 0) void this.emit(apiKeyId, state);
    else
      state.timer = setTimeout(() => {
        state.timer = undefined;
        void this.emit(apiKeyId, state);
      }, wait);
  }

  /** One read after the change, handed to every subscriber of the key at once. */
  private async emit(apiKeyId: string, state: KeyState): Promise<void> {
    state.emitting = true;
    const { startedAt, promise: snapshot } = this.read(apiKeyId);
    await snapshot.catch(() => undefined);
    state.emitting = false;
    state.lastSent = performance.now();
    state.latest = snapshot;
    for (const subscriber of this.subscribers) if (subscriber.wants(apiKeyId)) subscriber.deliver(apiKeyId, snapshot);
    // A change that arrived after the read began is not in it: the next update is due.
    if (state.changedAt > startedAt) this.schedule(apiKeyId, state);
  }
}

/**
 * `apiKeyUsage` for every subscriber of this instance. A change of a key wakes one timer for that
 * key, not one per subscriber: the first change of a quiet key goes out at once, later ones within
 * the gap are merged into one update at its end, and that update is one read of the counters,
 * begun after the change, which every subscriber of the key receives at the same moment. A
 * thousand watchers of one key therefore cost one read per update, and none of them can be handed
 * counters read before the change that woke it. A subscriber naming a key gets that key's counters
 * first; an update due within a gap of that first message follows at the gap's end.
 */
export class KeyUsageFeed {
  private readonly workspaces = new Map<string, WorkspaceFeed>();

  constructor(
    private readonly changes: ChangeSource,
    private readonly load: SnapshotLoader,
    private readonly queues: QueueSource,
    private readonly gapMs = USAGE_UPDATE_GAP_MS,
  ) {}

  /** Updates of the workspace's keys (only `apiKeyId`'s when given, that key's counters first), in the subscriber's own queue. */
  subscribe(workspaceId: string, apiKeyId?: string): SubscriberQueue<UsageUpdateRoot> {
    let feed = this.workspaces.get(workspaceId);
    if (!feed) {
      feed = new WorkspaceFeed(workspaceId, this.changes, this.load, this.gapMs);
      this.workspaces.set(workspaceId, feed);
    }
    const ownFeed = feed;
    let subscriber: Subscriber | undefined;
    const queue = this.queues(() => {
      if (!subscriber) return;
      subscriber.close();
      ownFeed.subscribers.delete(subscriber);
      if (ownFeed.subscribers.size === 0 && this.workspaces.get(workspaceId) === ownFeed) {
        this.workspaces.delete(workspaceId);
        ownFeed.close();
      }
    });
    subscriber = new Subscriber(
      apiKeyId,
      (root) => queue.push(root),
      () => (apiKeyId === undefined ? undefined : ownFeed.state(apiKeyId)),
      this.gapMs,
    );
    ownFeed.subscribers.add(subscriber);
    if (apiKeyId !== undefined) {
      const first = ownFeed.read(apiKeyId).promise;
      const open = () => subscriber?.open(first);
      void first.then(open, open);
    }
    return queue;
  }
}
