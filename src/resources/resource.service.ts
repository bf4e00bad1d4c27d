import { randomUUID } from "node:crypto";
import { DataSource, EntityManager } from "typeorm";
import type { QueryDeepPartialEntity } from "typeorm/query-builder/QueryPartialEntity";
import { Clock } from "../common/clock";
import { notFound } from "../common/errors";
import { isUuid, PageArgs, readPageArgs } from "../common/pagination";
import { FieldErrors, validateInput } from "../common/validation";
import { ResourceDefinition, ResourceRecord } from "./resource-definition";
import { checkCreatedRange, CreatedRange } from "./resource-filters";

export const DEFAULT_PAGE_SIZE = 20;

export interface ListArgs<F> {
  first?: number | null;
  after?: string | null;
  filter?: F | null;
}

type Input = object & Record<string, unknown>;

export interface CheckedListArgs {
  page: PageArgs;
  filter: (CreatedRange & Record<string, unknown>) | null;
}

/**
 * The one service behind all six resources' writes (create, partial update, delete) and the
 * check of a list's arguments; every read is planned by the read path (`read-path.ts`). Every method takes the workspace first and never sees another
 * workspace's rows: their ids read as absent. Every write validates the whole input into one
 * `FieldErrors` before it writes, and writes in one statement or one transaction, so a refused
 * input writes nothing.
 */
export class ResourceService<E extends ResourceRecord, F extends object = object> {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    readonly definition: ResourceDefinition<E>,
  ) {}

  /** A list's arguments checked, as the read path takes them: bad `first`, `after` or filter values are BAD_USER_INPUT naming the argument. */
  async checkListArgs(args: ListArgs<F>): Promise<CheckedListArgs> {
    const errors = new FieldErrors();
    const page = readPageArgs(args.first, args.after, errors, DEFAULT_PAGE_SIZE);
    await validateInput("filter", args.filter, errors);
    checkCreatedRange(errors, args.filter as CreatedRange | null | undefined);
    errors.throwIfAny();
    return { page, filter: (args.filter as CheckedListArgs["filter"]) ?? null };
  }

  async create(workspaceId: string, input: Input): Promise<E> {
    const errors = new FieldErrors();
    await validateInput("input", input, errors);
    const values = this.readFields(input, errors, "create");
    const now = this.clock.now();
    const next = { ...values, id: randomUUID(), workspaceId, createdAt: now, updatedAt: now } as E;
    const write = async (manager: EntityManager) => {
      await this.definition.prepare?.(manager, workspaceId, next, null, input, errors);
      errors.throwIfAny();
      await manager.insert(this.definition.entity, next as QueryDeepPartialEntity<E>);
      await this.definition.afterWrite?.(manager, workspaceId, next, input, true);
      return next;
    };
    // One INSERT is atomic by itself: a transaction is needed only when `afterWrite` writes more
    // rows. `prepare` reads nothing a transaction would hold still (under READ COMMITTED each
    // statement sees its own snapshot either way); the composite foreign keys are what keep a
    // reference inside the workspace if its record goes in between.
    return this.definition.afterWrite ? this.db.transaction(write) : write(this.db.manager);
  }

  /** Absent fields keep their value; `null` clears a nullable field and is refused on a required one. */
  async update(workspaceId: string, id: string, input: Input): Promise<E> {
    const errors = new FieldErrors();
    await validateInput("input", input, errors);
    const changes = this.readFields(input, errors, "update");
    return this.db.transaction(async (tx) => {
      const current = await this.lock(tx, workspaceId, id);
      const next = { ...current, ...changes, updatedAt: this.clock.now() } as E;
      await this.definition.prepare?.(tx, workspaceId, next, current, input, errors);
      errors.throwIfAny();
      // The row is locked, so writing every column is as safe as writing the changed ones, and it
      // also carries what `prepare` completed (e.g. a merged config).
      const { id: _id, workspaceId: _ws, createdAt: _created, ...written } = next;
      await tx.update(this.definition.entity, { id: current.id, workspaceId } as never, written as unknown as QueryDeepPartialEntity<E>);
      await this.definition.afterWrite?.(tx, workspaceId, next, input, false);
      return next;
    });
  }

  /** Deletes the record; foreign keys detach what pointed at it (ON DELETE SET NULL) in the same transaction. */
  async delete(workspaceId: string, id: string): Promise<string> {
    return this.db.transaction(async (tx) => {
      const current = await this.lock(tx, workspaceId, id);
      await tx.delete(this.definition.entity, { id: current.id, workspaceId } as never);
      return current.id;
    });
  }

  private byId(): string {
    const a = this.definition.alias;
    return `${a}.workspace_id = :workspaceId AND ${a}.id = :id`;
  }

  /** The row, locked until the transaction ends; NOT_FOUND when it is not in this workspace. */
  private async lock(tx: EntityManager, workspaceId: string, id: string): Promise<E> {
    if (!isUuid(id)) throw notFound(this.definition.label);
    const row = await tx
      .getRepository(this.definition.entity)
      .createQueryBuilder(this.definition.alias)
      .where(this.byId(), { workspaceId, id })
      .setLock("pessimistic_write")
      .getOne();
    if (!row) throw notFound(this.definition.label);
    return row;
  }

  /** Copies the input's column fields, applying the per-field rules; virtual fields are left to the hooks. */
  private readFields(input: Input, errors: FieldErrors, mode: "create" | "update"): Partial<E> {
    const values: Record<string, unknown> = {};
    for (const [name, rule] of Object.entries(this.definition.fields)) {
      if (rule.virtual) continue;
      let value = input[name];
      if (typeof value === "string" && rule.trim) value = value.trim();
      if (mode === "create" && (value === undefined || value === null) && rule.default !== undefined) value = rule.default;
      if (mode === "update" && value === undefined) continue;
      if (rule.required && (value === null || value === undefined)) {
        errors.add(`input.${name}`, mode === "create" ? "is required" : "cannot be null: the field is required");
        continue;
      }
      values[name] = value ?? null;
    }
    return values as Partial<E>;
  }
}
