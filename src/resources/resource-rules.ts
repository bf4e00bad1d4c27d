import { ArrayMaxSize, IsInt, IsOptional, IsUrl, Matches, Max, MaxDate, Min, MinDate } from "class-validator";
import { atMost, EMAIL, Follows, longText, Rule, searchText, shortText } from "../common/rules";

/**
 * The field rules the six resources share, as class-validator decorators for their input classes;
 * the text rules come from the one vocabulary in `src/common/rules.ts`.
 * Each decorator lets `undefined` and `null` through (`IsOptional`): whether a field may be absent
 * or null (a create's required field, an update's `null` on a required field) is decided by the
 * service from the resource definition's `FieldRule.required`.
 */
type PropertyRule = (target: object, property: string) => void;

const compose =
  (...rules: PropertyRule[]): PropertyRule =>
  (target, property) =>
    rules.forEach((rule) => rule(target, property));

/** Absent or null passes; a given string must follow every rule, in order. */
const optional = (rules: readonly Rule[], ...more: PropertyRule[]): PropertyRule => compose(IsOptional(), ...rules.map(Follows), ...more);

export const E164 = /^\+[1-9][0-9]{1,14}$/;
const LANGUAGE_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/** One line of text, at most `max` characters, not blank when given. */
export const ShortText = (max: number): PropertyRule => optional(shortText(max));

/** Free text (prompts, notes, summaries, document content): line breaks allowed. */
export const LongText = (max: number): PropertyRule => optional(longText(max));

export const Email = (): PropertyRule => optional(EMAIL);

export const PhoneNumber = (): PropertyRule =>
  compose(IsOptional(), Matches(E164, { message: "must be an E.164 phone number such as +14155550123" }));

export const Score = (): PropertyRule =>
  compose(
    IsOptional(),
    IsInt({ message: "must be an integer" }),
    Min(0, { message: "must be from 0 to 100" }),
    Max(100, { message: "must be from 0 to 100" }),
  );

export const LanguageTag = (): PropertyRule =>
  optional([atMost(35)], Matches(LANGUAGE_TAG, { message: "must be a language tag such as en-US" }));

export const WebUrl = (): PropertyRule =>
  optional([atMost(2048)], IsUrl({ protocols: ["http", "https"], require_protocol: true }, { message: "must be an http or https URL" }));

/** The instants a call may start or end at: a sane calendar, far inside what PostgreSQL and a Date hold. */
const EARLIEST_CALL_TIME = new Date("1970-01-01T00:00:00.000Z");
const LATEST_CALL_TIME = new Date("2099-12-31T23:59:59.999Z");
const CALL_TIME_MESSAGE = `must be from ${EARLIEST_CALL_TIME.toISOString()} to ${LATEST_CALL_TIME.toISOString()}`;

export const CallTime = (): PropertyRule =>
  compose(
    IsOptional(),
    MinDate(EARLIEST_CALL_TIME, { message: CALL_TIME_MESSAGE }),
    MaxDate(LATEST_CALL_TIME, { message: CALL_TIME_MESSAGE }),
  );

export const IdList = (max: number): PropertyRule => compose(IsOptional(), ArrayMaxSize(max, { message: `must name at most ${max} ids` }));

/** A text filter: bounded, one line. Blank means no filter, so it is not refused. */
export const SearchText = (): PropertyRule => optional(searchText(200));
