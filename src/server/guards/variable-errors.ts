import type { FieldError } from "../../common/errors";

const INVALID_AT = /^Variable "\$([^"]+)" got invalid value .*? at "([^"]+)"; ([\s\S]*)$/;
const INVALID = /^Variable "\$([^"]+)" got invalid value [\s\S]*?; ([\s\S]*)$/;
const NOT_PROVIDED = /^Variable "\$([^"]+)" of (?:required|non-null) type "[^"]+" (?:was not provided|must not be null)\.?$/;
const UNKNOWN_FIELD = /Field "([^"]+)" is not defined by type "[^"]+"/;
const MISSING_FIELD = /Field "([^"]+)" of required type "[^"]+" was not provided/;

/**
 * graphql-js refuses a badly typed variable before any resolver runs, with the path only in its
 * message (`Variable "$input" got invalid value "ROOT" at "input.role"; …`). This recovers the
 * API's `extensions.fields` from it. The path starts at the variable, which clients name
 * after the argument it feeds (`$input` → `input`), so it reads as the argument path.
 */
export function fieldsOfVariableError(message: string): FieldError[] | null {
  const at = INVALID_AT.exec(message);
  if (at) return [{ field: withNested(at[2], at[3]), message: at[3] }];
  const invalid = INVALID.exec(message);
  if (invalid) return [{ field: withNested(invalid[1], invalid[2]), message: invalid[2] }];
  const missing = NOT_PROVIDED.exec(message);
  if (missing) return [{ field: missing[1], message: "is required" }];
  return null;
}

/** `Field "x" is not defined by type …` names a field one level below the reported path. */
function withNested(path: string, detail: string): string {
  const nested = UNKNOWN_FIELD.exec(detail) ?? MISSING_FIELD.exec(detail);
  return nested ? `${path}.${nested[1]}` : path;
}
