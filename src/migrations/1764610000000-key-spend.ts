import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * What a key may spend (docs/API.md, "Cost budgets and credits"): one row per balance, shared by a
 * key and the key that replaced it through rotation (both point at it through `api_key.spend_id`).
 * `credits_remaining` is the durable balance: instances lease blocks of it (at most 100) into the
 * shared Redis pool, so a spent credit is always already gone from here. `credits_generation` moves
 * at every balance that is set (create, update, `set`, a refill): a pool of an older generation is
 * never drawn on again. The bounds repeat the input rules.
 */
export class KeySpend1764610000000 implements MigrationInterface {
  name = "KeySpend1764610000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_key_spend (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        budget_maximum integer,
        budget_restore_per_second integer,
        credits_remaining bigint,
        credits_refill_amount integer,
        credits_refill_interval varchar(7),
        credits_refill_day_of_month smallint,
        credits_last_refill_at timestamptz(3),
        credits_set_at timestamptz(3),
        credits_low_base bigint,
        credits_generation integer NOT NULL DEFAULT 0,
        CONSTRAINT api_key_spend_budget_ck CHECK (
          (budget_maximum IS NULL AND budget_restore_per_second IS NULL)
          OR (budget_maximum BETWEEN 1 AND 10000000 AND budget_restore_per_second BETWEEN 1 AND 1000000)),
        CONSTRAINT api_key_spend_credits_ck CHECK (
          credits_remaining IS NULL OR (credits_remaining BETWEEN 0 AND 1000000000 AND credits_set_at IS NOT NULL)),
        CONSTRAINT api_key_spend_refill_ck CHECK (
          (credits_refill_amount IS NULL AND credits_refill_interval IS NULL AND credits_refill_day_of_month IS NULL)
          OR (credits_remaining IS NOT NULL AND credits_refill_amount BETWEEN 1 AND 1000000000 AND (
            (credits_refill_interval = 'DAILY' AND credits_refill_day_of_month IS NULL)
            OR (credits_refill_interval = 'MONTHLY' AND credits_refill_day_of_month BETWEEN 1 AND 31))))
      )`);
    await q.query(`ALTER TABLE api_key ADD COLUMN spend_id uuid REFERENCES api_key_spend(id) ON DELETE SET NULL`);
    await q.query(`CREATE INDEX api_key_spend_idx ON api_key (spend_id) WHERE spend_id IS NOT NULL`);
    await q.query(`ALTER TABLE security_alert DROP CONSTRAINT security_alert_kind_check`);
    await q.query(`
      ALTER TABLE security_alert ADD CONSTRAINT security_alert_kind_check CHECK (kind IN
        ('KEY_EXPIRING', 'KEY_EXPIRED', 'KEY_LEAKED', 'USAGE_SPIKE', 'NEW_CLIENT_ADDRESS', 'FORBIDDEN_BURST', 'CREDITS_LOW'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM security_alert WHERE kind = 'CREDITS_LOW'`);
    await q.query(`ALTER TABLE security_alert DROP CONSTRAINT IF EXISTS security_alert_kind_check`);
    await q.query(`
      ALTER TABLE security_alert ADD CONSTRAINT security_alert_kind_check CHECK (kind IN
        ('KEY_EXPIRING', 'KEY_EXPIRED', 'KEY_LEAKED', 'USAGE_SPIKE', 'NEW_CLIENT_ADDRESS', 'FORBIDDEN_BURST'))`);
    await q.query(`ALTER TABLE api_key DROP COLUMN IF EXISTS spend_id`);
    await q.query(`DROP TABLE IF EXISTS api_key_spend`);
  }
}
