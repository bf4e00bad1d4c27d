import { isUuid } from "../common/pagination";
import { FieldErrors } from "../common/validation";
import { FilterRule } from "./resource-definition";

/** Every resource's filter input has these; the keyset index serves them. */
export interface CreatedRange {
  createdFrom?: Date | null;
  createdTo?: Date | null;
}

/** `%`, `_` and `\` match literally in a text filter. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function checkCreatedRange(errors: FieldErrors, filter: CreatedRange | null | undefined): void {
  if (filter?.createdFrom && filter.createdTo) {
    errors.check(filter.createdFrom <= filter.createdTo, "filter.createdTo", "must not be earlier than createdFrom");
  }
}

/**
 * One SQL condition per filter field that was given; an empty list or blank text filters nothing.
 * `bind` turns a value into a placeholder of the caller's dialect (TypeORM's `:name` or pg's `$n`),
 * so the list query and the read planner share these rules.
 */
export function filterConditions(
  alias: string,
  rules: Record<string, FilterRule>,
  filter: (CreatedRange & Record<string, unknown>) | null | undefined,
  bind: (value: unknown) => string,
): string[] {
  if (!filter) return [];
  const conditions: string[] = [];
  if (filter.createdFrom) conditions.push(`${alias}.created_at >= ${bind(filter.createdFrom)}`);
  if (filter.createdTo) conditions.push(`${alias}.created_at <= ${bind(filter.createdTo)}`);
  for (const [name, rule] of Object.entries(rules)) {
    const value = filter[name];
    if (value === undefined || value === null) continue;
    switch (rule.kind) {
      case "in":
        if (Array.isArray(value) && value.length > 0) conditions.push(`${alias}.${rule.column} = ANY(${bind(value)})`);
        break;
      case "equals":
        conditions.push(`${alias}.${rule.column} = ${bind(value)}`);
        break;
      case "id":
        // An id that is not a UUID names no record: nothing matches, as for an unknown one.
        conditions.push(isUuid(value) ? `${alias}.${rule.column} = ${bind(value)}` : "false");
        break;
      case "contains":
        if (typeof value === "string" && value.trim() !== "")
          conditions.push(`${rule.expression.replace(/\$/g, alias)} ILIKE ${bind(likePattern(value.trim()))}`);
        break;
      case "sql":
        conditions.push(rule.id && !isUuid(value) ? "false" : rule.build(alias, bind(value)));
        break;
    }
  }
  return conditions;
}
