import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Per-key rate limits (docs/API.md, "Limits"): both columns set, or neither (no limit). The bounds
 * repeat the input rules so a row written by any tool stays within what the API accepts.
 */
export class RateLimits1764400000000 implements MigrationInterface {
  name = "RateLimits1764400000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_key ADD COLUMN rate_limit integer, ADD COLUMN rate_limit_window_seconds integer`);
    await q.query(`
      ALTER TABLE api_key ADD CONSTRAINT api_key_rate_limit_ck CHECK (
        (rate_limit IS NULL AND rate_limit_window_seconds IS NULL)
        OR (rate_limit BETWEEN 1 AND 1000000 AND rate_limit_window_seconds BETWEEN 1 AND 86400)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_key DROP CONSTRAINT IF EXISTS api_key_rate_limit_ck`);
    await q.query(`ALTER TABLE api_key DROP COLUMN IF EXISTS rate_limit_window_seconds, DROP COLUMN IF EXISTS rate_limit`);
  }
}
