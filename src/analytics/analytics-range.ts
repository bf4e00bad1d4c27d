import { FieldErrors } from "../common/validation";

export const DEFAULT_RANGE_DAYS = 30;
/** A leap year's worth, so "the last year" always fits. */
export const MAX_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;

export interface AnalyticsRange {
  from: Date;
  to: Date;
}

/**
 * The reporting range, both ends inclusive: `to` defaults to now, `from` to 30 days before `to`.
 * A reversed or longer-than-a-year range is BAD_USER_INPUT naming `from`.
 */
export function readAnalyticsRange(from: Date | null | undefined, to: Date | null | undefined, now: Date): AnalyticsRange {
  const end = to ?? now;
  const start = from ?? new Date(end.getTime() - DEFAULT_RANGE_DAYS * DAY_MS);
  const errors = new FieldErrors();
  errors.check(start <= end, "from", "must not be later than to") &&
    errors.check(end.getTime() - start.getTime() <= MAX_RANGE_DAYS * DAY_MS, "from", `the range may span at most ${MAX_RANGE_DAYS} days`);
  errors.throwIfAny();
  return { from: start, to: end };
}
