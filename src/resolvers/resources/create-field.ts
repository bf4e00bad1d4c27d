import { Field } from "type-graphql";
import { FieldRule } from "../../resources/resource-definition";

type TypeFunction = NonNullable<Parameters<typeof Field>[0]>;

/**
 * A create input's field, non-null or defaulted as the resource definition says: what a new record
 * must have and its defaults are stated once, in `src/resources/<name>.resource.ts` (the service
 * applies them), and the schema is derived from there. Required without a default → non-null;
 * with a default → optional, the default shown as the argument's default value, or with
 * `defaultIn: "description"` said in the description instead.
 */
export function CreateField(
  resource: { label: string; fields: Record<string, FieldRule> },
  name: string,
  type: TypeFunction,
  options: { description?: string; defaultIn?: "description" } = {},
): PropertyDecorator {
  const rule = resource.fields[name];
  if (!rule?.required) throw new Error(`${resource.label}.${name} is not a required field of its resource definition`);
  if (rule.default === undefined) return Field(type, { description: options.description });
  if (options.defaultIn === "description") return Field(type, { nullable: true, description: `${String(rule.default)} when not given.` });
  return Field(type, { nullable: true, defaultValue: rule.default, description: options.description });
}
