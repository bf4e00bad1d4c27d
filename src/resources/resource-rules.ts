import { ArrayMaxSize, IsEmail, IsInt, IsOptional, IsUrl, Matches, Max, MaxLength, Min } from "class-validator";

/**
 * The field rules the six resources share, as class-validator decorators for their input classes.
 * Each decorator lets `undefined` and `null` through (`IsOptional`): whether a field may be absent
 * or null (a create's required field, an update's `null` on a required field) is decided by the
 * service from the resource definition's `FieldRule.required`.
 */
type PropertyRule = (target: object, property: string) => void;

const compose = (...rules: PropertyRule[]): PropertyRule => (target, property) => rules.forEach((rule) => rule(target, property));

/** Control characters break logs, CSV exports and terminals; PostgreSQL refuses NUL outright. */
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;
/** Long text keeps tabs and line breaks but no other control character. */
const NO_CONTROL_BUT_WHITESPACE = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/;
const NOT_BLANK = /\S/;
export const E164 = /^\+[1-9][0-9]{1,14}$/;
const LANGUAGE_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/** One line of text, at most `max` characters, not blank when given. */
export const ShortText = (max: number): PropertyRule =>
  compose(
    IsOptional(),
    Matches(NOT_BLANK, { message: "must not be blank" }),
    MaxLength(max, { message: `must be at most ${max} characters` }),
    Matches(NO_CONTROL, { message: "must not contain control characters" }),
  );

/** Free text (prompts, notes, summaries, document content): line breaks allowed. */
export const LongText = (max: number): PropertyRule =>
  compose(
    IsOptional(),
    MaxLength(max, { message: `must be at most ${max} characters` }),
    Matches(NO_CONTROL_BUT_WHITESPACE, { message: "must not contain control characters other than tabs and line breaks" }),
  );

export const Email = (): PropertyRule =>
  compose(IsOptional(), MaxLength(254, { message: "must be at most 254 characters" }), IsEmail({}, { message: "must be a valid e-mail address" }));

export const PhoneNumber = (): PropertyRule =>
  compose(IsOptional(), Matches(E164, { message: "must be an E.164 phone number such as +14155550123" }));

export const Score = (): PropertyRule =>
  compose(IsOptional(), IsInt({ message: "must be an integer" }), Min(0, { message: "must be from 0 to 100" }), Max(100, { message: "must be from 0 to 100" }));

export const LanguageTag = (): PropertyRule =>
  compose(IsOptional(), MaxLength(35, { message: "must be at most 35 characters" }), Matches(LANGUAGE_TAG, { message: "must be a language tag such as en-US" }));

export const WebUrl = (): PropertyRule =>
  compose(
    IsOptional(),
    MaxLength(2048, { message: "must be at most 2048 characters" }),
    IsUrl({ protocols: ["http", "https"], require_protocol: true }, { message: "must be an http or https URL" }),
  );

export const IdList = (max: number): PropertyRule => compose(IsOptional(), ArrayMaxSize(max, { message: `must name at most ${max} ids` }));

/** A text filter: bounded, one line. Blank means no filter, so it is not refused. */
export const SearchText = (): PropertyRule =>
  compose(IsOptional(), MaxLength(200, { message: "must be at most 200 characters" }), Matches(NO_CONTROL, { message: "must not contain control characters" }));
