import { DataSource, EntityManager } from "typeorm";
import { Clock } from "../common/clock";
import { keysetPage, Page, PageArgs } from "../common/pagination";
import { AuditAction, AuditEntryEntity } from "../entities/audit-entry.entity";

export interface AuditRecord {
  workspaceId: string | null;
  action: AuditAction;
  actorId: string | null;
  targetId: string | null;
  details?: Record<string, unknown>;
}

/** The trail of who did what to members and keys. Entries are written in the same transaction as the change. */
export class AuditService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  async record(manager: EntityManager, entry: AuditRecord): Promise<void> {
    const row = manager.create(AuditEntryEntity, { ...entry, details: entry.details ?? null, occurredAt: this.clock.now() });
    await manager.save(row);
  }

  /** Newest first, in insertion order. */
  async list(workspaceId: string, page: PageArgs<string>): Promise<Page<AuditEntryEntity>> {
    const query = this.db.getRepository(AuditEntryEntity).createQueryBuilder("a").where("a.workspace_id = :workspaceId", { workspaceId });
    return keysetPage(query, page, "seq");
  }
}
