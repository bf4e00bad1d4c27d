import { isEmail, ValidateBy } from "class-validator";
import type { FieldErrors } from "./validation";

/**
 * The text rules every input follows — API keys, members and the six resources — written once.
 * A rule is a test and the words a client reads when a value fails it (`extensions.fields[].message`).
 * Hand-written readers apply a list of rules with `follow`/`readText`; class-validator input
 * classes with the `@Follows(rule)` decorator. Lengths count Unicode code points, the way
 * PostgreSQL counts the characters of a `varchar(n)`, so a value that passes always fits its column.
 */
export interface Rule {
  /** Names the rule among a field's failures (class-validator's constraint name). */
  readonly name: string;
  readonly message: string;
  test(value: string): boolean;
}

/** Control characters break logs, CSV exports and terminals; PostgreSQL refuses NUL outright. */
const CONTROL = /[\u0000-\u001f\u007f]/;
/** Multi-line text keeps tabs and line breaks (\t \n \r) but no other control character. */
const CONTROL_BUT_WHITESPACE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;
/** NUL, which PostgreSQL cannot store in text, and UTF-16 halves, which no encoding can. */
export const UNSTORABLE_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Text a client sent that is kept, not refused (a refused request's operation name): unstorable characters become U+FFFD. */
export function storableText(value: string): string {
  // Stryker disable next-line ConditionalExpression: replacing nothing returns the same string; the test only spares a copy
  return UNSTORABLE_TEXT.test(value) ? value.replace(new RegExp(UNSTORABLE_TEXT.source, "g"), "\uFFFD") : value;
}

/** Characters as PostgreSQL counts them: code points, so a surrogate pair is one. */
export function characterCount(value: string): number {
  return value.length - (value.match(SURROGATE_PAIR)?.length ?? 0);
}

export const oneLine: Rule = { name: "oneLine", message: "must not contain control characters", test: (value) => !CONTROL.test(value) };

export const multiLine: Rule = {
  name: "multiLine",
  message: "must not contain control characters other than tabs and line breaks",
  test: (value) => !CONTROL_BUT_WHITESPACE.test(value),
};

export const notBlank: Rule = { name: "notBlank", message: "must not be blank", test: (value) => /\S/.test(value) };

export const atMost = (max: number): Rule => ({
  name: "atMost",
  message: `must be at most ${max} characters`,
  test: (value) => characterCount(value) <= max,
});

export const atLeast = (min: number): Rule => ({
  name: "atLeast",
  message: `must be at least ${min} characters`,
  test: (value) => characterCount(value) >= min,
});

/** For values the reader trims first: the message says the length is the trimmed one. */
export const trimmedLength = (min: number, max: number): Rule => ({
  name: "trimmedLength",
  message: `must be ${min} to ${max} characters after trimming`,
  test: (value) => characterCount(value) >= min && characterCount(value) <= max,
});

export const emailAddress: Rule = { name: "emailAddress", message: "must be a valid e-mail address", test: (value) => isEmail(value) };

/** A name (of an API key, of a workspace): trimmed, 1–100 characters, one line. */
export const NAME: readonly Rule[] = [trimmedLength(1, 100), oneLine];
/** An e-mail address, at most 254 characters (the longest a mail system delivers). */
export const EMAIL: readonly Rule[] = [atMost(254), emailAddress];
/** One line of text, at most `max` characters, not blank. */
export const shortText = (max: number): readonly Rule[] => [notBlank, atMost(max), oneLine];
/** Free text (prompts, notes, reasons, document content): line breaks allowed. */
export const longText = (max: number): readonly Rule[] => [atMost(max), multiLine];
/** A search filter: bounded, one line; blank means no filter, so it is not refused. */
export const searchText = (max: number): readonly Rule[] => [atMost(max), oneLine];

/** Records the first rule `value` breaks under `field`; returns whether it follows them all. */
export function follow(errors: FieldErrors, field: string, value: string, rules: readonly Rule[]): boolean {
  const broken = rules.find((rule) => !rule.test(value));
  if (broken) errors.add(field, broken.message);
  return broken === undefined;
}

/** The trimmed value, after checking it against `rules`. */
export function readText(errors: FieldErrors, field: string, raw: string, rules: readonly Rule[]): string {
  const value = raw.trim();
  follow(errors, field, value, rules);
  return value;
}

/**
 * One rule as a class-validator property decorator. Only strings are tested (GraphQL has already
 * typed the field); whether null or absent is allowed is left to `IsOptional` and the service.
 */
export function Follows(rule: Rule): PropertyDecorator {
  return ValidateBy({
    name: rule.name,
    validator: { validate: (value: unknown) => typeof value === "string" && rule.test(value), defaultMessage: () => rule.message },
  });
}
