import { Column, Entity, JoinColumn, ManyToOne, OneToMany, PrimaryGeneratedColumn } from "typeorm";
import { ApiKeySpendEntity } from "./api-key-spend.entity";
import { ApiKeyGrantEntity } from "./api-key-grant.entity";

@Entity({ name: "api_key" })
export class ApiKeyEntity {
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @Column({ name: "workspace_id", type: "uuid" })
  workspaceId: string;

  @Column({ type: "varchar", length: 100 })
  name: string;

  /** First 8 characters after `gqk_`, for people to recognise a key. */
  @Column({ type: "varchar", length: 8 })
  prefix: string;

  /** SHA-256 (hex) of the secret; unique. The secret itself is never stored. */
  @Column({ type: "char", length: 64 })
  digest: string;

  @Column({ name: "expires_at", type: "timestamptz", precision: 3, nullable: true })
  expiresAt: Date | null;

  @Column({ name: "created_at", type: "timestamptz", precision: 3 })
  createdAt: Date;

  @Column({ name: "created_by_id", type: "uuid", nullable: true })
  createdById: string | null;

  @Column({ name: "revoked_at", type: "timestamptz", precision: 3, nullable: true })
  revokedAt: Date | null;

  @Column({ name: "revoked_by_id", type: "uuid", nullable: true })
  revokedById: string | null;

  @Column({ name: "revocation_reason", type: "varchar", length: 500, nullable: true })
  revocationReason: string | null;

  /** The key this one replaced through `rotateApiKey`. */
  @Column({ name: "rotated_from_id", type: "uuid", nullable: true })
  rotatedFromId: string | null;

  /** The key that replaced this one; set once, so a key is rotated at most once. */
  @Column({ name: "rotated_to_id", type: "uuid", nullable: true })
  rotatedToId: string | null;

  /** Requests allowed per window (docs/API.md, "Limits"); null with the window when the key has no limit. */
  @Column({ name: "rate_limit", type: "integer", nullable: true })
  rateLimitMax: number | null;

  @Column({ name: "rate_limit_window_seconds", type: "integer", nullable: true })
  rateLimitWindowSeconds: number | null;

  /** IP addresses and CIDR blocks the key may be used from (docs/API.md, "Key safety"); null allows any address. */
  @Column({ name: "allowed_cidrs", type: "text", array: true, nullable: true })
  allowedCidrs: string[] | null;

  /** The trusted operations the key may run, in the order given (docs/API.md, "Trusted operations"); null allows any. */
  @Column({ name: "trusted_operation_ids", type: "text", array: true, nullable: true })
  trustedOperationIds: string[] | null;

  /** The client address of the key's last counted request; written by the usage flush only. */
  @Column({ name: "last_used_from", type: "varchar", length: 64, nullable: true, insert: false, update: false })
  lastUsedFrom: string | null;

  /** Its cost budget and credits (shared with the key it was rotated from or to); null when it has neither. */
  @Column({ name: "spend_id", type: "uuid", nullable: true })
  spendId: string | null;

  /** Loaded where a read needs it (verification, the key's fields); otherwise undefined. */
  @ManyToOne(() => ApiKeySpendEntity, { nullable: true })
  @JoinColumn({ name: "spend_id" })
  spend?: ApiKeySpendEntity | null;

  @OneToMany(
    () => ApiKeyGrantEntity,
    (grant) => grant.apiKey,
    { cascade: ["insert"] },
  )
  grants: ApiKeyGrantEntity[];
}
