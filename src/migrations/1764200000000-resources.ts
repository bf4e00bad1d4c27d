import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The six resources behind `@permission` (agents, contacts, leads, calls, knowledge-base documents
 * with their agent links, integrations).
 *
 * Every table carries `workspace_id`, and every link between resources is a composite foreign key
 * on (workspace_id, id): the database itself refuses a cross-workspace link, whatever the code
 * does. Links to a deleted record are set to null (`ON DELETE SET NULL (col)`, PostgreSQL 15+), so
 * deleting an agent keeps its calls. Every list is keyset-paginated on
 * (workspace_id, created_at DESC, id DESC); every filter has an index whose leading columns are
 * (workspace_id, <filter column>) followed by the keyset order. Text match uses `ILIKE '%…%'`
 * served by pg_trgm GIN indexes (PGlite loads the pg_trgm contrib extension).
 */
export class Resources1764200000000 implements MigrationInterface {
  name = "Resources1764200000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`
      CREATE TABLE agent (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        name varchar(200) NOT NULL,
        language varchar(35) NOT NULL,
        voice varchar(100),
        prompt text,
        status varchar(16) NOT NULL CHECK (status IN ('ACTIVE', 'PAUSED')),
        created_at timestamptz(3) NOT NULL,
        updated_at timestamptz(3) NOT NULL,
        UNIQUE (workspace_id, id)
      )`);
    await this.listIndexes(q, "agent", ["status"], "name");

    await q.query(`
      CREATE TABLE contact (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        first_name varchar(100) NOT NULL,
        last_name varchar(100),
        email varchar(254),
        phone varchar(16),
        company varchar(200),
        created_at timestamptz(3) NOT NULL,
        updated_at timestamptz(3) NOT NULL,
        UNIQUE (workspace_id, id)
      )`);
    await this.listIndexes(q, "contact", [], "(first_name || ' ' || coalesce(last_name, ''))");

    await q.query(`
      CREATE TABLE lead (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        name varchar(200) NOT NULL,
        email varchar(254),
        phone varchar(16),
        status varchar(16) NOT NULL CHECK (status IN ('NEW', 'CONTACTED', 'QUALIFIED', 'CONVERTED', 'LOST')),
        source varchar(100),
        score smallint CHECK (score BETWEEN 0 AND 100),
        notes text,
        contact_id uuid,
        created_at timestamptz(3) NOT NULL,
        updated_at timestamptz(3) NOT NULL,
        UNIQUE (workspace_id, id),
        FOREIGN KEY (workspace_id, contact_id) REFERENCES contact (workspace_id, id) ON DELETE SET NULL (contact_id)
      )`);
    await this.listIndexes(q, "lead", ["status", "contact_id"], "name");

    await q.query(`
      CREATE TABLE call (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        agent_id uuid,
        contact_id uuid,
        lead_id uuid,
        direction varchar(16) NOT NULL CHECK (direction IN ('INBOUND', 'OUTBOUND')),
        status varchar(16) NOT NULL CHECK (status IN ('QUEUED', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'NO_ANSWER')),
        from_number varchar(16) NOT NULL,
        to_number varchar(16) NOT NULL,
        started_at timestamptz(3),
        ended_at timestamptz(3),
        summary text,
        created_at timestamptz(3) NOT NULL,
        updated_at timestamptz(3) NOT NULL,
        CHECK (ended_at IS NULL OR started_at IS NULL OR ended_at >= started_at),
        FOREIGN KEY (workspace_id, agent_id) REFERENCES agent (workspace_id, id) ON DELETE SET NULL (agent_id),
        FOREIGN KEY (workspace_id, contact_id) REFERENCES contact (workspace_id, id) ON DELETE SET NULL (contact_id),
        FOREIGN KEY (workspace_id, lead_id) REFERENCES lead (workspace_id, id) ON DELETE SET NULL (lead_id)
      )`);
    await this.listIndexes(q, "call", ["status", "direction", "agent_id", "contact_id", "lead_id"], null);
    // Analytics counts a call at its startedAt, or its createdAt when it has none.
    await q.query(`CREATE INDEX call_workspace_counted_at_idx ON call (workspace_id, (coalesce(started_at, created_at)))`);

    await q.query(`
      CREATE TABLE knowledge_base_document (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        title varchar(300) NOT NULL,
        content text NOT NULL,
        source_url varchar(2048),
        created_at timestamptz(3) NOT NULL,
        updated_at timestamptz(3) NOT NULL,
        UNIQUE (workspace_id, id)
      )`);
    await this.listIndexes(q, "knowledge_base_document", [], "title");
    await q.query(`
      CREATE TABLE knowledge_base_document_agent (
        workspace_id uuid NOT NULL,
        document_id uuid NOT NULL,
        agent_id uuid NOT NULL,
        PRIMARY KEY (document_id, agent_id),
        FOREIGN KEY (workspace_id, document_id) REFERENCES knowledge_base_document (workspace_id, id) ON DELETE CASCADE,
        FOREIGN KEY (workspace_id, agent_id) REFERENCES agent (workspace_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX knowledge_base_document_agent_agent_idx ON knowledge_base_document_agent (agent_id, document_id)`);

    await q.query(`
      CREATE TABLE integration (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        provider varchar(32) NOT NULL CHECK (provider IN ('SALESFORCE', 'HUBSPOT', 'ZAPIER', 'SLACK', 'WEBHOOK', 'GOOGLE_CALENDAR')),
        name varchar(100) NOT NULL,
        enabled boolean NOT NULL,
        config jsonb,
        created_at timestamptz(3) NOT NULL,
        updated_at timestamptz(3) NOT NULL,
        UNIQUE (workspace_id, id)
      )`);
    await this.listIndexes(q, "integration", ["provider", "enabled"], "name");
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ["integration", "knowledge_base_document_agent", "knowledge_base_document", "call", "lead", "contact", "agent"]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }

  /** The keyset index, one per equality filter (ahead of the keyset order), and the trigram index for text match. */
  private async listIndexes(q: QueryRunner, table: string, filters: string[], textExpression: string | null): Promise<void> {
    await q.query(`CREATE INDEX ${table}_workspace_created_idx ON ${table} (workspace_id, created_at DESC, id DESC)`);
    for (const column of filters) {
      await q.query(`CREATE INDEX ${table}_${column}_idx ON ${table} (workspace_id, ${column}, created_at DESC, id DESC)`);
    }
    if (textExpression) {
      const indexed = textExpression.startsWith("(") ? textExpression : `(${textExpression})`;
      await q.query(`CREATE INDEX ${table}_text_trgm_idx ON ${table} USING gin (${indexed} gin_trgm_ops)`);
    }
  }
}
