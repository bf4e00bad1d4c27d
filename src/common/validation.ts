import { validate, ValidationError } from "class-validator";
import { badUserInput, FieldError } from "./errors";

/**
 * Collects every bad field of one input before anything is written, so a client learns all its
 * mistakes at once and a refused input never leaves a partial write behind.
 */
export class FieldErrors {
  private readonly errors: FieldError[] = [];

  /** Records `message` for `field` unless `ok`; returns `ok` so callers can skip dependent checks. */
  check(ok: boolean, field: string, message: string): boolean {
    if (!ok) this.add(field, message);
    return ok;
  }

  /** Keeps the first message per field: the most basic rule a field broke is the one to fix first. */
  add(field: string, message: string): void {
    if (!this.errors.some((e) => e.field === field)) this.errors.push({ field, message });
  }

  /** Whether `field` or anything under it already failed, so dependent checks can be skipped. */
  has(field: string): boolean {
    return this.errors.some((e) => e.field === field || e.field.startsWith(`${field}.`));
  }

  get size(): number {
    return this.errors.length;
  }

  throwIfAny(): void {
    if (this.errors.length > 0) throw badUserInput(this.errors);
  }
}

function flatten(errors: ValidationError[], path: string, into: FieldErrors): void {
  for (const error of errors) {
    const field = path ? `${path}.${error.property}` : error.property;
    const messages = Object.values(error.constraints ?? {});
    if (messages.length > 0) into.add(field, messages[0]);
    // Stryker disable next-line ConditionalExpression,OptionalChaining: class-validator always gives an array, and an empty one adds nothing
    if (error.children?.length) flatten(error.children, field, into);
  }
}

/**
 * Runs the class-validator rules declared on an input class and records each failure under
 * `argument.property` (e.g. `input.name`), the path a client sent.
 */
export async function validateInput(argument: string, input: object | null | undefined, into = new FieldErrors()): Promise<FieldErrors> {
  if (input === null || input === undefined) return into;
  const errors = await validate(input, {
    forbidUnknownValues: false,
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: flatten reads property, constraints and children only, never target or value
    validationError: { target: false, value: false },
  });
  flatten(errors, argument, into);
  return into;
}
