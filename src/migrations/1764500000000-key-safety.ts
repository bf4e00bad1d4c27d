import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Key safety (docs/API.md, "Key safety"): per-key IP allowlists and the last client address, the
 * IP_NOT_ALLOWED usage outcome, security alerts, and each key's recent client addresses.
 * An alert is unique on (kind, key, dedupe_key): instances that see the same condition insert it
 * with ON CONFLICT DO NOTHING, so it exists (and is published) exactly once.
 */
export class KeySafety1764500000000 implements MigrationInterface {
  name = "KeySafety1764500000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_key ADD COLUMN allowed_cidrs text[], ADD COLUMN last_used_from varchar(64)`);
    await q.query(
      `ALTER TABLE api_key ADD CONSTRAINT api_key_allowed_cidrs_ck CHECK (allowed_cidrs IS NULL OR cardinality(allowed_cidrs) BETWEEN 1 AND 50)`,
    );
    await q.query(`ALTER TABLE usage_event DROP CONSTRAINT usage_event_outcome_check`);
    await q.query(`
      ALTER TABLE usage_event ADD CONSTRAINT usage_event_outcome_check
        CHECK (outcome IN ('ALLOWED', 'FORBIDDEN', 'INVALID', 'ERROR', 'REJECTED', 'RATE_LIMITED', 'IP_NOT_ALLOWED'))`);
    await q.query(`
      CREATE TABLE security_alert (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL,
        api_key_id uuid,
        kind varchar(32) NOT NULL CHECK (kind IN ('KEY_EXPIRING', 'KEY_EXPIRED', 'KEY_LEAKED', 'USAGE_SPIKE', 'NEW_CLIENT_ADDRESS', 'FORBIDDEN_BURST')),
        occurred_at timestamptz(3) NOT NULL,
        message varchar(500) NOT NULL,
        details jsonb,
        subject varchar(100) NOT NULL DEFAULT '',
        dedupe_key varchar(100) NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX security_alert_dedupe_uq ON security_alert (kind, api_key_id, dedupe_key)`);
    await q.query(`CREATE INDEX security_alert_list_idx ON security_alert (workspace_id, occurred_at DESC, id DESC)`);
    await q.query(`CREATE INDEX security_alert_cooldown_idx ON security_alert (api_key_id, kind, subject, occurred_at DESC)`);
    await q.query(`CREATE INDEX security_alert_time_idx ON security_alert (occurred_at)`);
    // One row per key and address (IPv4, or IPv6 /64) seen in the last 30 days; no foreign key, like usage.
    await q.query(`
      CREATE TABLE key_address (
        api_key_id uuid NOT NULL,
        address varchar(64) NOT NULL,
        first_seen_at timestamptz(3) NOT NULL,
        last_seen_at timestamptz(3) NOT NULL,
        PRIMARY KEY (api_key_id, address)
      )`);
    await q.query(`CREATE INDEX key_address_time_idx ON key_address (last_seen_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS key_address`);
    await q.query(`DROP TABLE IF EXISTS security_alert`);
    await q.query(`ALTER TABLE usage_event DROP CONSTRAINT IF EXISTS usage_event_outcome_check`);
    await q.query(`
      ALTER TABLE usage_event ADD CONSTRAINT usage_event_outcome_check
        CHECK (outcome IN ('ALLOWED', 'FORBIDDEN', 'INVALID', 'ERROR', 'REJECTED', 'RATE_LIMITED'))`);
    await q.query(`ALTER TABLE api_key DROP CONSTRAINT IF EXISTS api_key_allowed_cidrs_ck`);
    await q.query(`ALTER TABLE api_key DROP COLUMN IF EXISTS last_used_from, DROP COLUMN IF EXISTS allowed_cidrs`);
  }
}
