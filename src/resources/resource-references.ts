import { EntityManager, EntityTarget, In } from "typeorm";
import { isUuid } from "../common/pagination";
import { FieldErrors } from "../common/validation";

/**
 * A reference to another record must name one of the same workspace. A foreign or unknown id is
 * refused the same way, naming the input field, so the answer tells nothing about other workspaces.
 */
export async function checkReferences(
  tx: EntityManager,
  errors: FieldErrors,
  field: string,
  target: EntityTarget<{ id: string; workspaceId: string }>,
  label: string,
  workspaceId: string,
  ids: readonly (string | null | undefined)[],
): Promise<void> {
  const wanted = [...new Set(ids.filter((id): id is string => typeof id === "string"))];
  if (wanted.length === 0 || errors.has(field)) return;
  const message = wanted.length === 1 || ids.length === 1 ? `no ${label} with this id in your workspace` : `names ids that are not ${label}s of your workspace`;
  if (!wanted.every(isUuid)) {
    errors.add(field, message);
    return;
  }
  const found = await tx.getRepository(target).count({ where: { workspaceId, id: In(wanted) } });
  errors.check(found === wanted.length, field, message);
}
