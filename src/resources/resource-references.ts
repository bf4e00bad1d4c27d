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

/** A reference check the database must answer: all of `wanted` (distinct UUIDs) must be rows of the workspace. */
export interface CountedReference {
  check: ReferenceCheck;
  wanted: string[];
  message: string;
}

/**
 * A reference to another record must name one of the same workspace. A foreign or unknown id is
 * refused the same way, naming the input field, so the answer tells nothing about other workspaces.
 * What needs no database (an id that is no UUID) is refused into `errors` here; the rest is
 * returned, to be counted in SQL (`checkAllReferences`, or inside a create's one statement) and
 * answered by `refuseMissing`.
 */
export function referencesToCount(errors: FieldErrors, checks: readonly ReferenceCheck[]): CountedReference[] {
  const counted: CountedReference[] = [];
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
    counted.push({ check, wanted, message });
  }
  return counted;
}

/** Refuses, naming its field, each counted reference that `found` says was not all found. */
export function refuseMissing(errors: FieldErrors, counted: readonly CountedReference[], found: readonly boolean[]): void {
  counted.forEach((c, i) => errors.check(found[i] === true, c.check.field, c.message));
}

/** `$wanted`'s ids, all rows of `table` in the workspace `$workspace`: a boolean SQL expression. */
export function allFoundSql(table: string, workspace: string, wanted: string): string {
  return `((SELECT count(*)::int FROM "${table}" WHERE workspace_id = ${workspace} AND id = ANY(${wanted}::uuid[])) = cardinality(${wanted}::uuid[]))`;
}

/** Several fields' references at once, in one statement (one count per field). */
export async function checkAllReferences(
  tx: EntityManager,
  errors: FieldErrors,
  workspaceId: string,
  checks: readonly ReferenceCheck[],
): Promise<void> {
  const counted = referencesToCount(errors, checks);
  if (counted.length === 0) return;
  const columns = counted.map((c, i) => `${allFoundSql(tx.connection.getMetadata(c.check.target).tableName, "$1", `$${i + 2}`)} AS f${i}`);
  const [row] = await tx.query(`SELECT ${columns.join(", ")}`, [workspaceId, ...counted.map((c) => c.wanted)]);
  refuseMissing(
    errors,
    counted,
    counted.map((_, i) => row[`f${i}`] === true),
  );
}
