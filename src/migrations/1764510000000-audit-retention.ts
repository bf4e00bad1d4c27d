import { MigrationInterface, QueryRunner } from "typeorm";

/** The audit retention job deletes entries by age in batches; this index keeps each batch a short range scan. */
export class AuditRetention1764510000000 implements MigrationInterface {
  name = "AuditRetention1764510000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX audit_entry_occurred_at_idx ON audit_entry (occurred_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS audit_entry_occurred_at_idx`);
  }
}
