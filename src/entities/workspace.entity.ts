import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

@Entity({ name: "workspace" })
export class WorkspaceEntity {
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @Column({ type: "varchar", length: 100 })
  name: string;

  @Column({ name: "created_at", type: "timestamptz", precision: 3 })
  createdAt: Date;
}
