import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Usage metering: raw events (kept for the retention period), per-minute and per-hour rollups that
 * the counters read, and `api_key.last_used_at`. No foreign keys on the usage tables: a flush must
 * never fail because of one key's row, and the rows are removed by retention, not by cascade.
 */
export class Usage1764300000000 implements MigrationInterface {
  name = "Usage1764300000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE usage_event (
        id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL,
        api_key_id uuid NOT NULL,
        occurred_at timestamptz(3) NOT NULL,
        operation_type varchar(16) NOT NULL,
        operation_name varchar(200),
        resources text[] NOT NULL DEFAULT '{}',
        outcome varchar(16) NOT NULL CHECK (outcome IN ('ALLOWED', 'FORBIDDEN', 'INVALID', 'ERROR', 'REJECTED', 'RATE_LIMITED')),
        duration_ms integer
      )`);
    await q.query(`CREATE INDEX usage_event_key_time_idx ON usage_event (api_key_id, occurred_at DESC)`);
    // Retention deletes the oldest rows first, in bounded batches.
    await q.query(`CREATE INDEX usage_event_time_idx ON usage_event (occurred_at)`);
    for (const [table, column] of [
      ["usage_minute", "minute"],
      ["usage_hour", "hour"],
    ]) {
      await q.query(`
        CREATE TABLE ${table} (
          api_key_id uuid NOT NULL,
          ${column} timestamptz NOT NULL,
          count integer NOT NULL,
          forbidden integer NOT NULL,
          PRIMARY KEY (api_key_id, ${column})
        )`);
      await q.query(`CREATE INDEX ${table}_time_idx ON ${table} (${column})`);
    }
    await q.query(`ALTER TABLE api_key ADD COLUMN last_used_at timestamptz(3)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_key DROP COLUMN IF EXISTS last_used_at`);
    for (const table of ["usage_hour", "usage_minute", "usage_event"]) await q.query(`DROP TABLE IF EXISTS ${table}`);
  }
}
