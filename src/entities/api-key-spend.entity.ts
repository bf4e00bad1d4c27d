import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

/** How a refill sets the balance: every day at 00:00 UTC, or every month on a day. */
export enum RefillInterval {
  DAILY = "DAILY",
  MONTHLY = "MONTHLY",
}

/**
 * What a key may spend (docs/API.md, "Cost budgets and credits"): its cost budget and its credits,
 * shared with the key that replaced it through rotation. Null columns: the key has none of that.
 */
@Entity({ name: "api_key_spend" })
export class ApiKeySpendEntity {
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @Column({ name: "workspace_id", type: "uuid" })
  workspaceId: string;

  @Column({ name: "budget_maximum", type: "integer", nullable: true })
  budgetMaximum: number | null;

  @Column({ name: "budget_restore_per_second", type: "integer", nullable: true })
  budgetRestorePerSecond: number | null;

  /** The durable balance, less what instances leased into the shared pool (bigint: read as a string, see `creditsOf`). */
  @Column({ name: "credits_remaining", type: "bigint", nullable: true })
  creditsRemaining: string | null;

  @Column({ name: "credits_refill_amount", type: "integer", nullable: true })
  refillAmount: number | null;

  @Column({ name: "credits_refill_interval", type: "varchar", length: 7, nullable: true })
  refillInterval: RefillInterval | null;

  @Column({ name: "credits_refill_day_of_month", type: "smallint", nullable: true })
  refillDayOfMonth: number | null;

  @Column({ name: "credits_last_refill_at", type: "timestamptz", precision: 3, nullable: true })
  lastRefillAt: Date | null;

  /** When the balance was last set (create, update, `set`): no refill is due for a boundary before it. */
  @Column({ name: "credits_set_at", type: "timestamptz", precision: 3, nullable: true })
  creditsSetAt: Date | null;

  /** The balance last set, the base of CREDITS_LOW for a key without a refill. */
  @Column({ name: "credits_low_base", type: "bigint", nullable: true })
  lowBase: string | null;

  @Column({ name: "credits_generation", type: "integer", default: 0 })
  generation: number;
}
