import { Column, Entity } from "typeorm";
import { WorkspaceRecordEntity } from "./workspace-record.entity";

/** A person the workspace talks to. */
@Entity({ name: "contact" })
export class ContactEntity extends WorkspaceRecordEntity {
  @Column({ name: "first_name", type: "varchar", length: 100 })
  firstName: string;

  @Column({ name: "last_name", type: "varchar", length: 100, nullable: true })
  lastName: string | null;

  @Column({ type: "varchar", length: 254, nullable: true })
  email: string | null;

  /** E.164. */
  @Column({ type: "varchar", length: 16, nullable: true })
  phone: string | null;

  @Column({ type: "varchar", length: 200, nullable: true })
  company: string | null;
}
