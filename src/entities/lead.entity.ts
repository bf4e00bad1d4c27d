import { Column, Entity } from "typeorm";
import { WorkspaceRecordEntity } from "./workspace-record.entity";

export enum LeadStatus {
  NEW = "NEW",
  CONTACTED = "CONTACTED",
  QUALIFIED = "QUALIFIED",
  CONVERTED = "CONVERTED",
  LOST = "LOST",
}

/** A sales opportunity, optionally tied to a contact. */
@Entity({ name: "lead" })
export class LeadEntity extends WorkspaceRecordEntity {
  @Column({ type: "varchar", length: 200 })
  name: string;

  @Column({ type: "varchar", length: 254, nullable: true })
  email: string | null;

  /** E.164. */
  @Column({ type: "varchar", length: 16, nullable: true })
  phone: string | null;

  @Column({ type: "varchar", length: 16 })
  status: LeadStatus;

  @Column({ type: "varchar", length: 100, nullable: true })
  source: string | null;

  /** 0–100. */
  @Column({ type: "smallint", nullable: true })
  score: number | null;

  @Column({ type: "text", nullable: true })
  notes: string | null;

  /** Set to null when the contact is deleted. */
  @Column({ name: "contact_id", type: "uuid", nullable: true })
  contactId: string | null;
}
