import { EntityManager, EntityTarget } from "typeorm";
import { isUuid } from "../common/pagination";
import { FieldErrors } from "../common/validation";

/** One input field naming records of `target`: ids that must all be records of the workspace. */
export interface ReferenceCheck {
  field: string;
  target: EntityTarget<{ id: string; workspaceId: string }>;
  label: string;
  ids: readonly (string | null | undefined)[];
}

/**
 * A reference to another record must name one of the same workspace. A foreign or unknown id is
 * refused the same way, naming the input field, so the answer tells nothing about other workspaces.
 */
export async function checkReferences(
  tx: EntityManager,
  errors: FieldErrors,
  field: string,
  target: ReferenceCheck["target"],
  label: string,
  workspaceId: string,
  ids: ReferenceCheck["ids"],
): Promise<void> {
  await checkAllReferences(tx, errors, workspaceId, [{ field, target, label, ids }]);
}

/** Several fields' references at once, in one statement (one count per field). */
export async function checkAllReferences(
  tx: EntityManager,
  errors: FieldErrors,
  workspaceId: string,
  checks: ReferenceCheck[],
): Promise<void> {
  const params: unknown[] = [workspaceId];
  const counted: { check: ReferenceCheck; wanted: string[]; message: string; sql: string }[] = [];
  for (const check of checks) {
    const { field, label, ids } = check;
    const wanted = [...new Set(ids.filter((id): id is string => typeof id === "string"))];
    if (wanted.length === 0 || errors.has(field)) continue;
    const message =
      wanted.length === 1 || ids.length === 1
        ? `no ${label} with this id in your workspace`
        : `names ids that are not ${label}s of your workspace`;
    if (!wanted.every(isUuid)) {
      errors.add(field, message);
      continue;
    }
    params.push(wanted);
    const table = tx.connection.getMetadata(check.target).tableName;
    counted.push({
      check,
      wanted,
      message,
      sql: `(SELECT count(*)::int FROM ${table} WHERE workspace_id = $1 AND id = ANY($${params.length}::uuid[]))`,
    });
  }
  if (counted.length === 0) return;
  const [row] = await tx.query(`SELECT ${counted.map((c, i) => `${c.sql} AS c${i}`).join(", ")}`, params);
  counted.forEach((c, i) => errors.check(row[`c${i}`] === c.wanted.length, c.check.field, c.message));
}
