import { SelectQueryBuilder } from "typeorm";
import { isUuid } from "../common/pagination";
import { FieldErrors } from "../common/validation";
import { FilterRule, ResourceRecord } from "./resource-definition";

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

/** Adds one condition per filter field that was given; an empty list or blank text filters nothing. */
export function applyFilters<E extends ResourceRecord>(
  query: SelectQueryBuilder<E>,
  alias: string,
  rules: Record<string, FilterRule>,
  filter: (CreatedRange & Record<string, unknown>) | null | undefined,
): void {
  if (!filter) return;
  if (filter.createdFrom) query.andWhere(`${alias}.created_at >= :createdFrom`, { createdFrom: filter.createdFrom });
  if (filter.createdTo) query.andWhere(`${alias}.created_at <= :createdTo`, { createdTo: filter.createdTo });
  for (const [name, rule] of Object.entries(rules)) {
    const value = filter[name];
    if (value === undefined || value === null) continue;
    const param = `f_${name}`;
    switch (rule.kind) {
      case "in":
        if (Array.isArray(value) && value.length > 0) query.andWhere(`${alias}.${rule.column} IN (:...${param})`, { [param]: value });
        break;
      case "equals":
        query.andWhere(`${alias}.${rule.column} = :${param}`, { [param]: value });
        break;
      case "id":
        // An id that is not a UUID names no record: nothing matches, as for an unknown one.
        if (isUuid(value)) query.andWhere(`${alias}.${rule.column} = :${param}`, { [param]: value });
        else query.andWhere("false");
        break;
      case "contains":
        if (typeof value === "string" && value.trim() !== "") {
          query.andWhere(`${rule.expression.replace(/\$/g, alias)} ILIKE :${param}`, { [param]: likePattern(value.trim()) });
        }
        break;
      case "sql":
        if (rule.id && !isUuid(value)) query.andWhere("false");
        else query.andWhere(rule.build(alias, param), { [param]: value });
        break;
    }
  }
}
