import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from "typeorm";
import { Resource } from "../auth/resource";
import type { ApiKeyEntity } from "./api-key.entity";

/** One row per key and resource, so grants are queryable data rather than a JSON blob. */
@Entity({ name: "api_key_grant" })
export class ApiKeyGrantEntity {
  @PrimaryColumn({ name: "api_key_id", type: "uuid" })
  apiKeyId: string;

  @PrimaryColumn({ type: "varchar", length: 32 })
  resource: Resource;

  @Column({ type: "boolean" })
  read: boolean;

  @Column({ type: "boolean" })
  write: boolean;

  @ManyToOne("ApiKeyEntity", "grants", { onDelete: "CASCADE" })
  @JoinColumn({ name: "api_key_id" })
  apiKey: ApiKeyEntity;
}
