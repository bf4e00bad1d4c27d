import { DataSource } from "typeorm";
import { Page, PageArgs, RELATION_LIST_MAX, toPage } from "../common/pagination";
import { rowsByIds } from "../common/rows-by-ids";
import { AgentEntity } from "../entities/agent.entity";
import { CallEntity } from "../entities/call.entity";
import { KnowledgeBaseDocumentEntity } from "../entities/knowledge-base-document.entity";
import { LeadEntity } from "../entities/lead.entity";
import { NO_CURSOR } from "./read-planner";

/** The columns of `call` that lead to another record, for `Agent.calls`, `Contact.calls`, `Lead.calls`. */
export type CallParent = "agent_id" | "contact_id" | "lead_id";

const newestFirst = <T extends { createdAt: Date; id: string }>(a: T, b: T) =>
  b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/**
 * Relation look-ups for many parents at once, each a constant number of statements whatever the
 * number of parents: the per-request loaders batch a whole list's relations into one call here.
 */
export class ResourceRelations {
  constructor(private readonly db: DataSource) {}

  /** Documents linked to each agent, the newest RELATION_LIST_MAX. Two statements: the links, then the documents. */
  async documentsOfAgents(workspaceId: string, agentIds: readonly string[]): Promise<Map<string, KnowledgeBaseDocumentEntity[]>> {
    const links = await this.newestLinks(workspaceId, "agent_id", "document_id", "knowledge_base_document", agentIds);
    const documents = await this.rowsByIds(
      KnowledgeBaseDocumentEntity,
      workspaceId,
      links.map((l) => l.child),
    );
    return group(
      agentIds,
      links,
      (l) => l.parent,
      (l) => documents.get(l.child),
    );
  }

  /** Agents each document is linked to, the newest RELATION_LIST_MAX. */
  async agentsOfDocuments(workspaceId: string, documentIds: readonly string[]): Promise<Map<string, AgentEntity[]>> {
    const links = await this.newestLinks(workspaceId, "document_id", "agent_id", "agent", documentIds);
    const agents = await this.rowsByIds(
      AgentEntity,
      workspaceId,
      links.map((l) => l.child),
    );
    return group(
      documentIds,
      links,
      (l) => l.parent,
      (l) => agents.get(l.child),
    );
  }

  /** Leads of each contact, the newest RELATION_LIST_MAX (a LATERAL `LIMIT` per contact), in one statement. */
  async leadsOfContacts(workspaceId: string, contactIds: readonly string[]): Promise<Map<string, LeadEntity[]>> {
    const leads = await this.db
      .getRepository(LeadEntity)
      .createQueryBuilder("ld")
      .where(
        `ld.workspace_id = :workspaceId AND ld.id IN (SELECT x.id FROM unnest(:contactIds::uuid[]) AS p(id) CROSS JOIN LATERAL (
           SELECT id FROM lead WHERE workspace_id = :workspaceId AND contact_id = p.id ORDER BY created_at DESC, id DESC LIMIT ${RELATION_LIST_MAX}) x)`,
        { workspaceId, contactIds: [...new Set(contactIds)] },
      )
      .orderBy("ld.created_at", "DESC")
      .addOrderBy("ld.id", "DESC")
      .getMany();
    return group(
      contactIds,
      leads,
      (l) => l.contactId as string,
      (l) => l,
    );
  }

  /**
   * One page of calls for each parent (same `first`/`after` for all), newest first: the page's ids
   * read per parent through the `(workspace_id, <parent>, created_at, id)` index by a LATERAL
   * `LIMIT`, then the calls. The totals are counted, for all parents at once, only if some
   * `totalCount` is read.
   */
  async callPages(
    workspaceId: string,
    parent: CallParent,
    parentIds: readonly string[],
    page: PageArgs,
  ): Promise<Map<string, Page<CallEntity>>> {
    const ids = [...new Set(parentIds)];
    const ranked: { id: string }[] = await this.db.query(
      `SELECT c.id FROM unnest($2::uuid[]) AS p(id) CROSS JOIN LATERAL (
         SELECT id FROM call WHERE workspace_id = $1 AND ${parent} = p.id AND (created_at, id) < ($4::timestamptz, $5::uuid)
         ORDER BY created_at DESC, id DESC LIMIT $3) c`,
      [workspaceId, ids, page.first + 1, page.after?.at ?? NO_CURSOR[0], page.after?.id ?? NO_CURSOR[1]],
    );
    const calls = await this.rowsByIds(
      CallEntity,
      workspaceId,
      ranked.map((r) => r.id),
    );
    let totals: Promise<Map<string, number>> | undefined;
    const count = async (id: string) => {
      totals ??= this.db
        .query(
          `SELECT ${parent} AS parent, count(*)::int AS count FROM call WHERE workspace_id = $1 AND ${parent} = ANY($2::uuid[]) GROUP BY ${parent}`,
          [workspaceId, ids],
        )
        .then((rows: { parent: string; count: number }[]) => new Map(rows.map((c) => [c.parent, c.count])));
      return (await totals).get(id) ?? 0;
    };
    const key = { agent_id: "agentId", contact_id: "contactId", lead_id: "leadId" } as const;
    const byParent = group(
      parentIds,
      [...calls.values()],
      (c) => c[key[parent]] as string,
      (c) => c,
    );
    return new Map(
      parentIds.map((id) => [
        id,
        toPage(
          (byParent.get(id) ?? []).sort(newestFirst),
          page.first,
          () => count(id),
          (c) => c.createdAt,
        ),
      ]),
    );
  }

  /** Per parent, the ids of the newest RELATION_LIST_MAX records linked to it through `knowledge_base_document_agent`. */
  private newestLinks(
    workspaceId: string,
    mine: "agent_id" | "document_id",
    theirs: "agent_id" | "document_id",
    table: string,
    ids: readonly string[],
  ): Promise<{ parent: string; child: string }[]> {
    return this.db.query(
      `SELECT p.id AS parent, x.id AS child FROM unnest($2::uuid[]) AS p(id) CROSS JOIN LATERAL (
         SELECT r.id FROM knowledge_base_document_agent l JOIN ${table} r ON r.workspace_id = l.workspace_id AND r.id = l.${theirs}
         WHERE l.workspace_id = $1 AND l.${mine} = p.id ORDER BY r.created_at DESC, r.id DESC LIMIT ${RELATION_LIST_MAX}) x`,
      [workspaceId, [...new Set(ids)]],
    );
  }

  private async rowsByIds<T extends { id: string; workspaceId: string; createdAt: Date }>(
    entity: new () => T,
    workspaceId: string,
    ids: readonly string[],
  ): Promise<Map<string, T>> {
    const rows = await rowsByIds(this.db, entity, "r", workspaceId, ids);
    return new Map(rows.map((r) => [r.id, r]));
  }
}

/** Parent id → its children, in the order given (or newest first when the children are records). */
function group<L, T extends { createdAt: Date; id: string }>(
  parentIds: readonly string[],
  items: L[],
  parentOf: (item: L) => string,
  childOf: (item: L) => T | undefined,
): Map<string, T[]> {
  const result = new Map<string, T[]>(parentIds.map((id) => [id, []]));
  for (const item of items) {
    const child = childOf(item);
    if (child) result.get(parentOf(item))?.push(child);
  }
  for (const children of result.values()) children.sort(newestFirst);
  return result;
}
