import { EntityManager, EntityTarget } from "typeorm";
import { FieldErrors } from "../common/validation";
import type { ReferenceCheck } from "./resource-references";

/** What every resource row has: the owner, and the keyset the lists page on. */
export interface ResourceRecord {
  id: string;
  workspaceId: string;
  createdAt: Date;
  updatedAt: Date;
}

/** How one input field maps to a column. Input and entity use the same property names. */
export interface FieldRule {
  /** Required on create; `null` refused on update. */
  required?: boolean;
  /** Used on create when the field is absent or null. */
  default?: unknown;
  /** Trim surrounding whitespace (short text). */
  trim?: boolean;
  /** Handled by the definition's `prepare` hook, not copied to a column. */
  virtual?: boolean;
}

/** One list filter, applied with the index named beside it in the migration. */
export type FilterRule =
  | { kind: "in"; column: string } // enum lists: status, provider, direction
  | { kind: "equals"; column: string } // booleans
  | { kind: "id"; column: string } // foreign ids; a non-UUID matches nothing
  | { kind: "contains"; expression: string } // ILIKE '%…%', served by a pg_trgm index
  | { kind: "sql"; build: (alias: string, placeholder: string) => string; id?: boolean }; // anything else, e.g. EXISTS on a link table

/**
 * The per-resource part of the one generic service (`ResourceService`): which table, how inputs
 * map to columns, which filters exist, and hooks for what the generic part cannot know
 * (references to other records, link tables, secret masking).
 */
export interface ResourceDefinition<E extends ResourceRecord> {
  /** For messages: "agent", "knowledge-base document". */
  label: string;
  entity: EntityTarget<E>;
  /** SQL alias for the table in list queries; filter expressions use it. */
  alias: string;
  fields: Record<string, FieldRule>;
  filters: Record<string, FilterRule>;
  /**
   * The input's references to other records (`next` is the record as it will be): each must name
   * rows of the workspace, checked in the database by the service (inside a create's one statement).
   */
  references?(next: E, input: Record<string, unknown>): ReferenceCheck[];
  /**
   * Runs before anything is written, in the process, with the record as it will be (`next`) and as
   * it was (`current`, null on create): checks cross-field rules into `errors`, may complete `next`
   * (e.g. keep masked secrets). Reads and writes nothing.
   */
  prepare?(workspaceId: string, next: E, current: E | null, input: Record<string, unknown>, errors: FieldErrors): void;
  /** Runs after the row was written, in the same transaction: link tables. */
  afterWrite?(tx: EntityManager, workspaceId: string, record: E, input: Record<string, unknown>, created: boolean): Promise<void>;
}
