import { MigrationInterface, QueryRunner } from "typeorm";

/** gen_random_uuid() is core since PostgreSQL 13, so no extension is needed (PGlite has none to install). Workspaces, members and their sessions, API keys with their grants, and the audit trail. */
export class Foundation1764100000000 implements MigrationInterface {
  name = "Foundation1764100000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE workspace (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(100) NOT NULL,
        created_at timestamptz(3) NOT NULL
      )`);
    await q.query(`
      CREATE TABLE member (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        email varchar(254) NOT NULL,
        email_key varchar(254) NOT NULL,
        password_hash varchar(255) NOT NULL,
        role varchar(16) NOT NULL CHECK (role IN ('ADMIN', 'SECURITY')),
        created_at timestamptz(3) NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX member_email_key_uq ON member (email_key)`);
    await q.query(`CREATE INDEX member_workspace_idx ON member (workspace_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE member_session (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        member_id uuid NOT NULL REFERENCES member(id) ON DELETE CASCADE,
        digest char(64) NOT NULL,
        created_at timestamptz(3) NOT NULL,
        expires_at timestamptz(3) NOT NULL,
        ended_at timestamptz(3)
      )`);
    await q.query(`CREATE UNIQUE INDEX member_session_digest_uq ON member_session (digest)`);
    await q.query(`CREATE INDEX member_session_member_idx ON member_session (member_id)`);
    await q.query(`
      CREATE TABLE api_key (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        name varchar(100) NOT NULL,
        prefix varchar(8) NOT NULL,
        digest char(64) NOT NULL,
        expires_at timestamptz(3),
        created_at timestamptz(3) NOT NULL,
        created_by_id uuid REFERENCES member(id) ON DELETE SET NULL,
        revoked_at timestamptz(3),
        revoked_by_id uuid REFERENCES member(id) ON DELETE SET NULL,
        revocation_reason varchar(500),
        rotated_from_id uuid REFERENCES api_key(id) ON DELETE SET NULL,
        rotated_to_id uuid REFERENCES api_key(id) ON DELETE SET NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX api_key_digest_uq ON api_key (digest)`);
    await q.query(`CREATE INDEX api_key_workspace_created_idx ON api_key (workspace_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE api_key_grant (
        api_key_id uuid NOT NULL REFERENCES api_key(id) ON DELETE CASCADE,
        resource varchar(32) NOT NULL CHECK (resource IN ('calls', 'leads', 'agents', 'analytics', 'contacts', 'knowledge_base', 'integrations')),
        read boolean NOT NULL,
        write boolean NOT NULL,
        PRIMARY KEY (api_key_id, resource),
        CHECK (read OR write),
        CHECK (NOT (resource = 'analytics' AND write))
      )`);
    await q.query(`
      CREATE TABLE audit_entry (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigserial NOT NULL,
        workspace_id uuid REFERENCES workspace(id) ON DELETE CASCADE,
        occurred_at timestamptz(3) NOT NULL,
        action varchar(32) NOT NULL,
        actor_id uuid REFERENCES member(id) ON DELETE SET NULL,
        target_id uuid,
        details jsonb
      )`);
    await q.query(`CREATE INDEX audit_entry_workspace_idx ON audit_entry (workspace_id, seq DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ["audit_entry", "api_key_grant", "api_key", "member_session", "member", "workspace"]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
