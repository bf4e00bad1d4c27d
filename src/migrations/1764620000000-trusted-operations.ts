import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * What a key may run (docs/API.md, "Trusted operations"): a workspace's trusted operations, the
 * ordered list of them a key is held to, and the workspace's policy for keys. A trusted operation
 * is permanent and its id is the `sha256:` digest of its exact text, unique per workspace;
 * `seq` gives "newest first" even within one millisecond.
 */
export class TrustedOperations1764620000000 implements MigrationInterface {
  name = "TrustedOperations1764620000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE trusted_operation (
        workspace_id uuid NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
        id varchar(71) NOT NULL CHECK (id ~ '^sha256:[0-9a-f]{64}$'),
        seq bigserial NOT NULL,
        name text,
        document text NOT NULL,
        created_at timestamptz(3) NOT NULL,
        PRIMARY KEY (workspace_id, id)
      )`);
    await q.query(`CREATE INDEX trusted_operation_list_idx ON trusted_operation (workspace_id, seq DESC)`);
    // The key's list in the order given; null: any operation.
    await q.query(`ALTER TABLE api_key ADD COLUMN trusted_operation_ids text[]`);
    await q.query(
      `ALTER TABLE api_key ADD CONSTRAINT api_key_trusted_operation_ids_ck CHECK (trusted_operation_ids IS NULL OR cardinality(trusted_operation_ids) BETWEEN 1 AND 500)`,
    );
    await q.query(`
      CREATE TABLE workspace_policy (
        workspace_id uuid PRIMARY KEY REFERENCES workspace (id) ON DELETE CASCADE,
        max_key_lifetime_days integer CHECK (max_key_lifetime_days BETWEEN 1 AND 3650),
        require_expiry boolean NOT NULL DEFAULT false,
        require_allowed_cidrs boolean NOT NULL DEFAULT false,
        require_trusted_operations boolean NOT NULL DEFAULT false
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS workspace_policy`);
    await q.query(`ALTER TABLE api_key DROP CONSTRAINT IF EXISTS api_key_trusted_operation_ids_ck`);
    await q.query(`ALTER TABLE api_key DROP COLUMN IF EXISTS trusted_operation_ids`);
    await q.query(`DROP TABLE IF EXISTS trusted_operation`);
  }
}
