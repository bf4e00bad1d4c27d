import type { DataSource, EntityTarget, ObjectLiteral } from "typeorm";
import { isUuid } from "./pagination";

/**
 * The rows of one workspace with these ids, in one statement, for the per-request loaders and the
 * relation look-ups. Ids that are not UUIDs match nothing (and reach no SQL); repeated ids are asked once.
 */
export async function rowsByIds<T extends ObjectLiteral>(
  db: DataSource,
  entity: EntityTarget<T>,
  alias: string,
  workspaceId: string,
  ids: readonly string[],
): Promise<T[]> {
  const valid = [...new Set(ids.filter(isUuid))];
  if (valid.length === 0) return [];
  return db
    .getRepository(entity)
    .createQueryBuilder(alias)
    .where(`${alias}.workspace_id = :workspaceId AND ${alias}.id IN (:...valid)`, { workspaceId, valid })
    .getMany();
}
