import type { SelectQueryBuilder } from "typeorm";
import { FieldErrors } from "./validation";

/** Keyset pagination on (createdAt, id), newest first, with opaque cursors. */
export interface Cursor {
  at: Date;
  id: string;
}

export interface Page<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** Counted only when a client selects it: a count over a large table is not paid for a plain page. */
  totalCount: number | Promise<number>;
}

export const MAX_PAGE_SIZE = 100;
/**
 * The most records a relation list without `first` holds (`Contact.leads`, `Agent.knowledgeBase`,
 * `KnowledgeBaseDocument.agents`): the newest ones. The cost limit counts such a list at this size,
 * read from its field's `maxItems` extension.
 */
export const RELATION_LIST_MAX = 100;
/** The default page of the members' lists: API keys, members, audit log, security alerts, usage events. */
export const MEMBER_LIST_PAGE_SIZE = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

/**
 * The instants a cursor may name: the four-digit years the DateTime scalar reads and writes, and
 * so every creation time this API stores. All of them are inside PostgreSQL's timestamptz range
 * (4713 BC to 294276 AD), which a forged cursor's Date (±271,821 years) is not.
 */
const EARLIEST_CURSOR_TIME = Date.parse("0001-01-01T00:00:00.000Z");
const LATEST_CURSOR_TIME = Date.parse("9999-12-31T23:59:59.999Z");
/** PostgreSQL's bigint maximum, the largest insertion sequence a cursor may name. */
const MAX_SEQ = 9223372036854775807n;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.at.toISOString(), cursor.id])).toString("base64url");
}

function decodeCursor(raw: string): Cursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== "string" || !isUuid(value[1])) return null;
    const time = Date.parse(value[0]);
    return time >= EARLIEST_CURSOR_TIME && time <= LATEST_CURSOR_TIME ? { at: new Date(time), id: value[1] } : null;
  } catch {
    return null;
  }
}

export interface PageArgs<C = Cursor> {
  first: number;
  after: C | null;
}

/** Checks `first` (0–100) and `after` (a cursor this server issued), recording bad ones. */
export function readPageArgs<C = Cursor>(
  first: number | null | undefined,
  after: string | null | undefined,
  errors: FieldErrors,
  defaultFirst: number,
  decode: (raw: string) => C | null = decodeCursor as unknown as (raw: string) => C | null,
): PageArgs<C> {
  const size = first ?? defaultFirst;
  errors.check(Number.isInteger(size) && size >= 0 && size <= MAX_PAGE_SIZE, "first", `must be an integer from 0 to ${MAX_PAGE_SIZE}`);
  let cursor: C | null = null;
  if (after !== null && after !== undefined) {
    cursor = decode(after);
    errors.check(cursor !== null, "after", "is not a cursor returned by this API");
  }
  return { first: size, after: cursor };
}

/** `readPageArgs` for a list whose page arguments are its only checks: refuses bad ones at once. */
export function checkedPageArgs<C = Cursor>(
  first: number | null | undefined,
  after: string | null | undefined,
  defaultFirst: number,
  decode?: (raw: string) => C | null,
): PageArgs<C> {
  const errors = new FieldErrors();
  const page = readPageArgs(first, after, errors, defaultFirst, decode);
  errors.throwIfAny();
  return page;
}

/** A cursor on an insertion sequence (a bigint as a decimal string). */
export function encodeSeqCursor(seq: string): string {
  return Buffer.from(JSON.stringify(["seq", seq])).toString("base64url");
}

export function decodeSeqCursor(raw: string): string | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    // Stryker disable next-line Regex: digits followed by anything else are refused by BigInt below
    const seq = Array.isArray(value) && value[0] === "seq" && typeof value[1] === "string" && /^\d{1,19}$/.test(value[1]) ? value[1] : null;
    // Stryker disable next-line ConditionalExpression: BigInt(null) throws, and the catch answers null
    return seq !== null && BigInt(seq) <= MAX_SEQ ? seq : null;
  } catch {
    return null;
  }
}

/**
 * Builds a page from up to `first + 1` rows fetched in order: the extra row only says there is more.
 * `count` runs at most once, and only if `totalCount` is read (GraphQL reads it only when selected).
 */
export function toPage<T extends { id: string }>(
  rows: T[],
  first: number,
  count: () => Promise<number>,
  cursorOf: (row: T) => Date | string,
): Page<T> {
  const nodes = rows.slice(0, first);
  const edges = nodes.map((node) => {
    const position = cursorOf(node);
    return { cursor: typeof position === "string" ? encodeSeqCursor(position) : encodeCursor({ at: position, id: node.id }), node };
  });
  let counted: Promise<number> | undefined;
  return {
    edges,
    nodes,
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.length ? edges[edges.length - 1].cursor : null },
    get totalCount() {
      counted ??= count();
      return counted;
    },
  };
}

/** The positions lists page on: a time with the id breaking ties, or a unique insertion sequence. */
const KEYSET_COLUMNS = { createdAt: ["created_at", "id"], occurredAt: ["occurred_at", "id"], seq: ["seq"] } as const;

/**
 * One page of a TypeORM query, newest first on `key`: the rows after the cursor, `first + 1` of
 * them, and a count of the query as given (without the cursor), run only if `totalCount` is read.
 */
export async function keysetPage<T extends { id: string }>(
  query: SelectQueryBuilder<T>,
  page: PageArgs<Cursor> | PageArgs<string>,
  key: keyof typeof KEYSET_COLUMNS & keyof T,
): Promise<Page<T>> {
  const columns = KEYSET_COLUMNS[key].map((column) => `${query.alias}.${column}`);
  const counter = query.clone();
  if (page.after) {
    const values = typeof page.after === "string" ? [page.after] : [page.after.at, page.after.id];
    const names = values.map((_, i) => `keyset${i}`);
    query.andWhere(
      `(${columns.join(", ")}) < (${names.map((n) => `:${n}`).join(", ")})`,
      Object.fromEntries(names.map((n, i) => [n, values[i]])),
    );
  }
  columns.forEach((column, i) => (i === 0 ? query.orderBy(column, "DESC") : query.addOrderBy(column, "DESC")));
  const rows = await query.limit(page.first + 1).getMany();
  return toPage(
    rows,
    page.first,
    () => counter.getCount(),
    (row) => row[key] as Date | string,
  );
}
