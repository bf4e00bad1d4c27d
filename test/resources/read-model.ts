import type { DataSource } from "typeorm";

/**
 * A plain model of what the API answers for the resources' reads, computed from the rows stored,
 * independent of the server's code: the oracle of the read planner's tests.
 */
type Row = Record<string, any>;

/** One selected field: its response key, the field, a page size, and its own selection. */
export interface Sel {
  key: string;
  field: string;
  first?: number;
  sub?: Sel[];
}

export interface Rows {
  calls: Row[];
  agents: Row[];
  contacts: Row[];
  leads: Row[];
  documents: Row[];
  links: Row[];
  integrations: Row[];
}

/** Every row of the workspace, newest first (created_at, then id, descending), as stored. */
export async function rowsOf(db: DataSource, workspaceId: string): Promise<Rows> {
  const read = (table: string) =>
    db.query(`SELECT * FROM ${table} WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC`, [workspaceId]) as Promise<Row[]>;
  return {
    calls: await read("call"),
    agents: await read("agent"),
    contacts: await read("contact"),
    leads: await read("lead"),
    documents: await read("knowledge_base_document"),
    links: await db.query(`SELECT * FROM knowledge_base_document_agent WHERE workspace_id = $1`, [workspaceId]),
    integrations: await read("integration"),
  };
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());
const SECRET = /secret|token|password|api[-_]?key/i;
function masked(value: any): any {
  if (Array.isArray(value)) return value.map(masked);
  if (value === null || typeof value !== "object") return value;
  const out: Row = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET.test(k) && v !== null ? "********" : masked(v);
  return out;
}

/** Which resource a type's fields need (beyond `id` and `__typename`) and, per relation, the resource it leads to. */
export const NEEDS: Record<string, { own: string; relations: Record<string, string> }> = {
  Call: { own: "CALLS", relations: { agent: "AGENTS", contact: "CONTACTS", lead: "LEADS" } },
  Agent: { own: "AGENTS", relations: { calls: "CALLS", knowledgeBase: "KNOWLEDGE_BASE" } },
  Contact: { own: "CONTACTS", relations: { calls: "CALLS", leads: "LEADS" } },
  Lead: { own: "LEADS", relations: { calls: "CALLS", contact: "CONTACTS" } },
  KnowledgeBaseDocument: { own: "KNOWLEDGE_BASE", relations: { agents: "AGENTS" } },
  Integration: { own: "INTEGRATIONS", relations: {} },
};
const RELATION_TYPE: Record<string, string> = {
  agent: "Agent",
  contact: "Contact",
  lead: "Lead",
  calls: "Call",
  knowledgeBase: "KnowledgeBaseDocument",
  leads: "Lead",
  agents: "Agent",
};

/** The resources a selection of `type` needs to read. */
export function needs(type: string, sel: Sel[], into = new Set<string>()): Set<string> {
  for (const s of sel) {
    if (s.field === "__typename" || s.field === "id") continue;
    into.add(NEEDS[type].own);
    const relation = NEEDS[type].relations[s.field];
    if (relation) {
      into.add(relation);
      const target = RELATION_TYPE[s.field];
      if (s.field === "calls") connectionNeeds(target, s.sub ?? [], into);
      else needs(target, s.sub ?? [], into);
    }
  }
  return into;
}

export function connectionNeeds(type: string, sel: Sel[], into = new Set<string>()): Set<string> {
  for (const s of sel) {
    if (s.field === "nodes") needs(type, s.sub ?? [], into);
    if (s.field === "edges") for (const e of s.sub ?? []) if (e.field === "node") needs(type, e.sub ?? [], into);
  }
  return into;
}

export class ReadModel {
  constructor(private readonly rows: Rows) {}

  cursor(row: Row): string {
    return Buffer.from(JSON.stringify([row.created_at.toISOString(), row.id])).toString("base64url");
  }

  /** A connection over `rows` (already newest first) with `first` and an optional `after` cursor. */
  connection(type: string, rows: Row[], first: number, sel: Sel[], after?: string): Row {
    let from = 0;
    if (after) {
      const [at, id] = JSON.parse(Buffer.from(after, "base64url").toString());
      from = rows.findIndex((r) => r.created_at.getTime() < Date.parse(at) || (r.created_at.getTime() === Date.parse(at) && r.id < id));
      if (from < 0) from = rows.length;
    }
    const page = rows.slice(from, from + first);
    const out: Row = {};
    for (const s of sel) {
      if (s.field === "__typename") out[s.key] = `${type}Connection`;
      else if (s.field === "totalCount") out[s.key] = rows.length;
      else if (s.field === "nodes") out[s.key] = page.map((r) => this.object(type, r, s.sub ?? []));
      else if (s.field === "edges")
        out[s.key] = page.map((r) => {
          const edge: Row = {};
          for (const e of s.sub ?? []) {
            if (e.field === "__typename") edge[e.key] = `${type}Edge`;
            else if (e.field === "cursor") edge[e.key] = this.cursor(r);
            else edge[e.key] = this.object(type, r, e.sub ?? []);
          }
          return edge;
        });
      else if (s.field === "pageInfo") {
        const info: Row = {};
        for (const p of s.sub ?? []) {
          if (p.field === "__typename") info[p.key] = "PageInfo";
          else if (p.field === "hasNextPage") info[p.key] = rows.length > from + first;
          else info[p.key] = page.length ? this.cursor(page[page.length - 1]) : null;
        }
        out[s.key] = info;
      }
    }
    return out;
  }

  object(type: string, row: Row | undefined | null, sel: Sel[]): Row | null {
    if (!row) return null;
    const out: Row = {};
    const r = this.rows;
    for (const s of sel) {
      const f = s.field;
      if (f === "__typename") out[s.key] = type;
      else if (f === "durationSeconds")
        out[s.key] = row.started_at && row.ended_at ? Math.min(Math.floor((row.ended_at - row.started_at) / 1000), 2_147_483_647) : null;
      else if (f === "config") out[s.key] = masked(row.config);
      else if (f === "agent")
        out[s.key] = this.object(
          "Agent",
          r.agents.find((a) => a.id === row.agent_id),
          s.sub ?? [],
        );
      else if (f === "contact")
        out[s.key] = this.object(
          "Contact",
          r.contacts.find((a) => a.id === row.contact_id),
          s.sub ?? [],
        );
      else if (f === "lead")
        out[s.key] = this.object(
          "Lead",
          r.leads.find((a) => a.id === row.lead_id),
          s.sub ?? [],
        );
      else if (f === "leads")
        out[s.key] = r.leads
          .filter((l) => l.contact_id === row.id)
          .slice(0, 100)
          .map((l) => this.object("Lead", l, s.sub ?? []));
      else if (f === "knowledgeBase" || f === "agents") {
        const [mine, theirs, list, target] =
          f === "agents"
            ? ["document_id", "agent_id", r.agents, "Agent"]
            : ["agent_id", "document_id", r.documents, "KnowledgeBaseDocument"];
        const ids = new Set(r.links.filter((l) => l[mine] === row.id).map((l) => l[theirs]));
        out[s.key] = list
          .filter((x) => ids.has(x.id))
          .slice(0, 100)
          .map((x) => this.object(target, x, s.sub ?? []));
      } else if (f === "calls") {
        const column = { Agent: "agent_id", Contact: "contact_id", Lead: "lead_id" }[type]!;
        out[s.key] = this.connection(
          "Call",
          r.calls.filter((c) => c[column] === row.id),
          s.first ?? 20,
          s.sub ?? [],
        );
      } else {
        const value = row[f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
        out[s.key] = value instanceof Date ? iso(value) : value;
      }
    }
    return out;
  }
}
