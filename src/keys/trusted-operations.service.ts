import { LRUCache } from "lru-cache";
import type { DataSource, EntityManager } from "typeorm";
import type { AuditService } from "../audit/audit.service";
import type { MemberPrincipal } from "../auth/principal";
import { sha256 } from "../auth/token";
import type { Clock } from "../common/clock";
import { keysetPage, Page, PageArgs } from "../common/pagination";
import { FieldErrors } from "../common/validation";
import { AuditAction } from "../entities/audit-entry.entity";
import { TrustedOperationEntity } from "../entities/trusted-operation.entity";

export const MAX_DOCUMENTS_PER_CALL = 100;
export const MAX_DOCUMENT_BYTES = 100 * 1024;
export const MAX_TRUSTED_OPERATIONS_PER_KEY = 500;

const ID = /^sha256:[0-9a-f]{64}$/;

/** A trusted operation's id: `sha256:` + the lowercase hex SHA-256 of the document's exact UTF-8 bytes. */
export function trustedOperationId(document: string): string {
  return `sha256:${sha256(document)}`;
}

export function isTrustedOperationId(value: unknown): value is string {
  return typeof value === "string" && ID.test(value);
}

/**
 * What the transport says of a document before it is trusted: its operation's name, or why it
 * cannot be (not parsable, several operations, invalid against the schema, over a query limit).
 * The server builds it from the same parser options, rules and cost model requests meet.
 */
export type DocumentCheck = (document: string) => { ok: true; name: string | null } | { ok: false; reason: string };

/** A workspace's trusted operations (docs/API.md, "Trusted operations"): added by ADMINs, never from requests, permanent. */
export class TrustedOperationsService {
  /** Documents by workspace and id: an entry never changes once stored, so a found one is kept (bounded). */
  private readonly documents = new LRUCache<string, string>({ max: 5000, maxSize: 64 * 1024 * 1024, sizeCalculation: (d) => d.length + 1 });

  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /**
   * Checks every document first (all refusals at once, naming `documents.<index>`), then stores the
   * new ones; a document already trusted (also one given twice) answers its existing entry.
   */
  async add(actor: MemberPrincipal, documents: readonly string[], check: DocumentCheck): Promise<TrustedOperationEntity[]> {
    const errors = new FieldErrors();
    errors.check(
      documents.length >= 1 && documents.length <= MAX_DOCUMENTS_PER_CALL,
      "documents",
      `must hold 1 to ${MAX_DOCUMENTS_PER_CALL} documents`,
    );
    errors.throwIfAny();
    const checked = documents.map((document, index) => {
      const field = `documents.${index}`;
      if (!errors.check(Buffer.byteLength(document, "utf8") <= MAX_DOCUMENT_BYTES, field, "is larger than 100 KiB")) return null;
      const verdict = check(document);
      if (verdict.ok) return { id: trustedOperationId(document), name: verdict.name, document };
      errors.add(field, verdict.reason);
      return null;
    });
    errors.throwIfAny();
    const valid = checked.filter((c) => c !== null);
    const ids = [...new Set(valid.map((c) => c.id))];
    return this.db.transaction(async (manager) => {
      const now = this.clock.now();
      const unique = ids.map((id) => valid.find((c) => c.id === id)!);
      const inserted: { id: string }[] = await manager
        .createQueryBuilder()
        .insert()
        .into(TrustedOperationEntity)
        .values(unique.map((c) => ({ workspaceId: actor.workspaceId, id: c.id, name: c.name, document: c.document, createdAt: now })))
        .orIgnore()
        .returning(["id"])
        .execute()
        .then((result) => result.raw as { id: string }[]);
      const rows = await this.rows(manager, actor.workspaceId, ids);
      await this.audit.record(manager, {
        workspaceId: actor.workspaceId,
        action: AuditAction.TRUSTED_OPERATIONS_ADDED,
        actorId: actor.memberId,
        targetId: null,
        details: {
          added: inserted.map(({ id }) => ({ id, name: rows.get(id)?.name ?? null })),
          alreadyTrusted: ids.filter((id) => !inserted.some((row) => row.id === id)),
        },
      });
      return valid.map((c) => rows.get(c.id)!);
    });
  }

  /** Newest first. */
  list(workspaceId: string, page: PageArgs<string>): Promise<Page<TrustedOperationEntity>> {
    const query = this.db
      .getRepository(TrustedOperationEntity)
      .createQueryBuilder("t")
      .where("t.workspace_id = :workspaceId", { workspaceId });
    return keysetPage(query, page, "seq");
  }

  /** The document of one of the workspace's trusted operations, or null: what a request sending only the id runs. */
  async document(workspaceId: string, id: string): Promise<string | null> {
    if (!isTrustedOperationId(id)) return null;
    const cacheKey = `${workspaceId} ${id}`;
    const cached = this.documents.get(cacheKey);
    if (cached !== undefined) return cached;
    const row = await this.db.getRepository(TrustedOperationEntity).findOne({ where: { workspaceId, id }, select: { document: true } });
    if (row) this.documents.set(cacheKey, row.document);
    return row?.document ?? null;
  }

  /** The workspace's trusted operations with these ids, in one statement. */
  async byIds(
    workspaceId: string,
    ids: readonly string[],
    manager: EntityManager = this.db.manager,
  ): Promise<Map<string, TrustedOperationEntity>> {
    return this.rows(manager, workspaceId, ids);
  }

  private async rows(manager: EntityManager, workspaceId: string, ids: readonly string[]): Promise<Map<string, TrustedOperationEntity>> {
    const valid = [...new Set(ids.filter(isTrustedOperationId))];
    if (valid.length === 0) return new Map();
    const rows = await manager
      .getRepository(TrustedOperationEntity)
      .createQueryBuilder("t")
      .where("t.workspace_id = :workspaceId AND t.id IN (:...valid)", { workspaceId, valid })
      .getMany();
    return new Map(rows.map((row) => [row.id, row]));
  }
}

/**
 * `trustedOperationIds` of a key's input: null or absent leaves the key free (returns null), else
 * 1–500 ids, each a trusted operation of the workspace, none repeated; a bad entry is named by its index.
 */
export async function readTrustedOperationIds(
  operations: TrustedOperationsService,
  manager: EntityManager,
  errors: FieldErrors,
  workspaceId: string,
  field: string,
  raw: readonly string[] | null | undefined,
): Promise<string[] | null> {
  if (raw === null || raw === undefined) return null;
  if (
    !errors.check(
      raw.length >= 1 && raw.length <= MAX_TRUSTED_OPERATIONS_PER_KEY,
      field,
      `must hold 1 to ${MAX_TRUSTED_OPERATIONS_PER_KEY} ids`,
    )
  )
    return null;
  const known = await operations.byIds(workspaceId, raw, manager);
  const seen = new Set<string>();
  raw.forEach((id, index) => {
    const entry = `${field}.${index}`;
    if (seen.has(id)) errors.add(entry, "is repeated: name each trusted operation once");
    else errors.check(known.has(id), entry, "is not a trusted operation of your workspace");
    seen.add(id);
  });
  return [...raw];
}
