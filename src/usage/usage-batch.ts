import { randomBytes } from "node:crypto";
import type { Resource } from "../auth/resource";
import { storableText } from "../common/rules";
import { UsageEventInput, UsageEventRecord, UsageOutcome } from "./usage-event";

/**
 * What many events of a batch have in common: the key, the operation, the outcome and the address.
 * Stored once per batch, however many events share it.
 */
export interface UsageShape {
  readonly apiKeyId: string;
  readonly workspaceId: string;
  readonly operationType: string;
  readonly operationName: string | null;
  readonly resources: readonly Resource[];
  readonly outcome: UsageOutcome;
  readonly clientAddress: string | null;
}

/** A new shape is looked for among the last few first (traffic comes in runs of one key and query), then by its full key. */
const RECENT_SHAPES = 4;

/**
 * Buffered usage events as columns: per event only numbers (its shape's index, time, duration)
 * in plain arrays V8 keeps unboxed, per distinct shape one object. An event held for a second
 * until its flush is then no object of its own for the garbage collector to copy and promote,
 * and a batch is already in the columns the flush statement takes. Ids are given when the batch
 * is sealed for its first write and kept for its retries, so a retry repeats the same rows.
 */
export class UsageBatch {
  readonly shapes: UsageShape[] = [];
  /** Per event: the index of its shape in `shapes`. */
  readonly shapeOf: number[] = [];
  /** Per event: when it occurred, in epoch milliseconds. */
  readonly occurredAt: number[] = [];
  /** Per event: its duration in whole milliseconds, -1 for none. */
  readonly durationMs: number[] = [];
  /**
   * Whether a write of these ids may have reached the database (one began, whatever its outcome):
   * the writer then skips events already stored. Records made elsewhere (`of`) may have been.
   */
  written = false;
  private ids: string[] | null = null;
  private made: UsageEventRecord[] | null = null;
  private readonly shapeIndex = new Map<string, number>();
  private readonly recent: number[] = [];

  /** `openedAt`: performance.now() when the batch was opened for its first event; the flush lag is measured from it. */
  constructor(readonly openedAt = 0) {}

  /** A batch of records already made (a test's, or records written before), with their own ids; written again, only what is not stored yet goes in. */
  static of(records: readonly UsageEventRecord[]): UsageBatch {
    const batch = new UsageBatch();
    for (const record of records) batch.append(record, record.operationName, record.occurredAt.getTime());
    batch.ids = records.map((record) => record.id);
    batch.written = true;
    return batch;
  }

  get length(): number {
    return this.shapeOf.length;
  }

  get sealed(): boolean {
    return this.ids !== null;
  }

  /** Appends one event; `input.resources` is kept by reference (the permission analysis's own, never changed). */
  add(input: UsageEventInput, occurredAtMs: number): void {
    // A refused request's name is whatever it said: cut to the column and made storable, or the whole batch would fail.
    this.append(input, input.operationName ? storableText(input.operationName.slice(0, 200)) : null, occurredAtMs);
  }

  private append(input: UsageEventInput, operationName: string | null, occurredAtMs: number): void {
    if (this.ids) throw new Error("a sealed usage batch takes no more events");
    this.shapeOf.push(this.shapeFor(input, operationName));
    this.occurredAt.push(occurredAtMs);
    this.durationMs.push(input.durationMs == null ? -1 : Math.max(0, Math.round(input.durationMs)));
  }

  /** Fixes the batch's ids (at its first write; a retry keeps them) and returns them. */
  seal(): readonly string[] {
    this.ids ??= timeOrderedIds(this.occurredAt);
    return this.ids;
  }

  /** The events as records, for listeners of a committed batch (made once, shared by them); events of one shape share its `resources` array. */
  records(): readonly UsageEventRecord[] {
    if (this.made) return this.made;
    const ids = this.seal();
    const resources = this.shapes.map((shape) => [...shape.resources]);
    const records: UsageEventRecord[] = new Array(this.length);
    for (let i = 0; i < records.length; i++) {
      const shape = this.shapes[this.shapeOf[i]];
      records[i] = {
        id: ids[i],
        workspaceId: shape.workspaceId,
        apiKeyId: shape.apiKeyId,
        occurredAt: new Date(this.occurredAt[i]),
        operationType: shape.operationType,
        operationName: shape.operationName,
        resources: resources[this.shapeOf[i]],
        outcome: shape.outcome,
        durationMs: this.durationMs[i] < 0 ? null : this.durationMs[i],
        clientAddress: shape.clientAddress,
      };
    }
    this.made = records;
    return records;
  }

  private shapeFor(input: UsageEventInput, operationName: string | null): number {
    for (const index of this.recent) {
      if (sameShape(this.shapes[index], input, operationName)) return index;
    }
    const key = shapeKey(input, operationName);
    let index = this.shapeIndex.get(key);
    if (index === undefined) {
      index = this.shapes.length;
      this.shapes.push({
        apiKeyId: input.apiKeyId,
        workspaceId: input.workspaceId,
        operationType: input.operationType,
        operationName,
        resources: input.resources ?? [],
        outcome: input.outcome,
        clientAddress: input.clientAddress ?? null,
      });
      this.shapeIndex.set(key, index);
    }
    this.recent.unshift(index);
    if (this.recent.length > RECENT_SHAPES) this.recent.pop();
    return index;
  }
}

function sameShape(shape: UsageShape, input: UsageEventInput, operationName: string | null): boolean {
  return (
    shape.apiKeyId === input.apiKeyId &&
    shape.outcome === input.outcome &&
    shape.clientAddress === (input.clientAddress ?? null) &&
    shape.operationType === input.operationType &&
    shape.workspaceId === input.workspaceId &&
    shape.operationName === operationName &&
    sameResources(shape.resources, input.resources ?? [])
  );
}

function sameResources(a: readonly Resource[], b: readonly Resource[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One string per distinct shape: each value length-prefixed (null as "-"), so no two shapes share a key. */
function shapeKey(input: UsageEventInput, operationName: string | null): string {
  let key = "";
  const values = [
    input.apiKeyId,
    input.workspaceId,
    input.operationType,
    operationName,
    (input.resources ?? []).join(","),
    input.outcome,
    input.clientAddress ?? null,
  ];
  for (const value of values) key += value === null ? "-|" : `${value.length}:${value}|`;
  return key;
}

const HEX4 = Array.from({ length: 0x10000 }, (_, i) => i.toString(16).padStart(4, "0"));
const HEX3 = HEX4.slice(0, 0x1000).map((hex) => hex.slice(1));

/**
 * UUIDv7 ids for a batch's events (RFC 9562, section 6.2, method 1: a dedicated counter): each
 * event's own millisecond, then a 26-bit counter seeded at random per batch and stepped per event
 * (rand_a and the top of rand_b), then 48 random bits drawn once per batch. Unique within the
 * batch by the counter, across batches and instances by the random bits; ordered by time, so
 * the index on them is appended to; one draw of random bytes per batch, not per event.
 */
export function timeOrderedIds(occurredAtMs: readonly number[]): string[] {
  const random = randomBytes(10);
  const tail = random.toString("hex", 4, 10);
  let counter = random.readUInt32BE(0) & 0x1ffffff; // below 2^25: a batch never wraps the 26 bits
  const ids: string[] = new Array(occurredAtMs.length);
  let lastMs = Number.NaN;
  let prefix = "";
  for (let i = 0; i < occurredAtMs.length; i++) {
    const ms = occurredAtMs[i];
    if (ms !== lastMs) {
      lastMs = ms;
      const high = Math.floor(ms / 0x10000);
      prefix = `${HEX4[Math.floor(high / 0x10000) & 0xffff]}${HEX4[high & 0xffff]}-${HEX4[ms & 0xffff]}-7`;
    }
    counter += 1;
    ids[i] = `${prefix}${HEX3[(counter >>> 14) & 0xfff]}-${HEX4[0x8000 | (counter & 0x3fff)]}-${tail}`;
  }
  return ids;
}
