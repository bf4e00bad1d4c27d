import { FieldErrors } from "../common/validation";

/** The rules of cost budgets and credits (docs/API.md, "Cost budgets and credits"), as pure functions. */

export const MAX_BUDGET = 10_000_000;
export const MAX_RESTORE_PER_SECOND = 1_000_000;
export const MAX_CREDITS = 1_000_000_000;
export const MAX_REFILL_AMOUNT = 1_000_000_000;

export interface CostBudgetValue {
  maximum: number;
  restorePerSecond: number;
}

export interface CreditsRefillValue {
  amount: number;
  interval: "DAILY" | "MONTHLY";
  /** 1–31 for MONTHLY (the month's last day when it is shorter); null for DAILY. */
  dayOfMonth: number | null;
}

export interface CreditsValue {
  remaining: number;
  refill: CreditsRefillValue | null;
}

const whole = (value: unknown, min: number, max: number): boolean =>
  typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;

function inRange(errors: FieldErrors, field: string, value: unknown, min: number, max: number, unit: string): void {
  errors.check(
    whole(value, min, max),
    field,
    `must be an integer from ${min.toLocaleString("en-US")} to ${max.toLocaleString("en-US")}${unit}`,
  );
}

/** maximum 1–10,000,000 points, restorePerSecond 1–1,000,000; null means no budget. */
export function readCostBudget(
  errors: FieldErrors,
  field: string,
  raw: { maximum: number; restorePerSecond: number } | null | undefined,
): CostBudgetValue | null {
  if (raw === null || raw === undefined) return null;
  inRange(errors, `${field}.maximum`, raw.maximum, 1, MAX_BUDGET, " points");
  inRange(errors, `${field}.restorePerSecond`, raw.restorePerSecond, 1, MAX_RESTORE_PER_SECOND, " points per second");
  return { maximum: raw.maximum, restorePerSecond: raw.restorePerSecond };
}

/** remaining 0–1,000,000,000; a refill of 1–1,000,000,000 DAILY, or MONTHLY on a day 1–31 (1 when omitted); null means no credits. */
export function readCredits(
  errors: FieldErrors,
  field: string,
  raw:
    | { remaining: number; refill?: { amount: number; interval: "DAILY" | "MONTHLY"; dayOfMonth?: number | null } | null }
    | null
    | undefined,
): CreditsValue | null {
  if (raw === null || raw === undefined) return null;
  inRange(errors, `${field}.remaining`, raw.remaining, 0, MAX_CREDITS, "");
  const refill = raw.refill;
  if (refill === null || refill === undefined) return { remaining: raw.remaining, refill: null };
  inRange(errors, `${field}.refill.amount`, refill.amount, 1, MAX_REFILL_AMOUNT, "");
  const day = refill.dayOfMonth ?? null;
  if (refill.interval === "DAILY") {
    errors.check(day === null, `${field}.refill.dayOfMonth`, "is only for a MONTHLY refill: a DAILY refill happens every day at 00:00 UTC");
  } else if (day !== null) {
    inRange(errors, `${field}.refill.dayOfMonth`, day, 1, 31, " (the month's last day when it is shorter)");
  }
  return {
    remaining: raw.remaining,
    refill: { amount: refill.amount, interval: refill.interval, dayOfMonth: refill.interval === "MONTHLY" ? (day ?? 1) : null },
  };
}

/** `adjustCredits`: exactly one of `set` and `add`, and a result within 0–1,000,000,000. */
export function readAdjustment(
  errors: FieldErrors,
  set: number | null | undefined,
  add: number | null | undefined,
): { set: number } | { add: number } {
  const hasSet = set !== null && set !== undefined;
  const hasAdd = add !== null && add !== undefined;
  if (hasSet && hasAdd) {
    errors.add("set", "give either set or add, not both");
    errors.add("add", "give either set or add, not both");
  } else if (!hasSet && !hasAdd) {
    errors.add("set", "give exactly one of set (the new balance) or add (a change to it)");
  } else if (hasSet) inRange(errors, "set", set, 0, MAX_CREDITS, "");
  else errors.check(Number.isInteger(add), "add", "must be an integer");
  return hasSet ? { set: set as number } : { add: add as number };
}

const DAY_MS = 86_400_000;

/** The instant of a month's refill: 00:00 UTC of `day`, or of the month's last day when it is shorter. */
function monthlyBoundary(year: number, month: number, day: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(day, last));
}

/** The latest refill boundary at or before `now`. */
export function lastRefillBoundary(refill: CreditsRefillValue, now: number): number {
  if (refill.interval === "DAILY") return now - (now % DAY_MS);
  const at = new Date(now);
  const thisMonth = monthlyBoundary(at.getUTCFullYear(), at.getUTCMonth(), refill.dayOfMonth ?? 1);
  return thisMonth <= now ? thisMonth : monthlyBoundary(at.getUTCFullYear(), at.getUTCMonth() - 1, refill.dayOfMonth ?? 1);
}

/** The first refill boundary after `now`. */
export function nextRefillBoundary(refill: CreditsRefillValue, now: number): number {
  if (refill.interval === "DAILY") return now - (now % DAY_MS) + DAY_MS;
  const at = new Date(now);
  const thisMonth = monthlyBoundary(at.getUTCFullYear(), at.getUTCMonth(), refill.dayOfMonth ?? 1);
  return thisMonth > now ? thisMonth : monthlyBoundary(at.getUTCFullYear(), at.getUTCMonth() + 1, refill.dayOfMonth ?? 1);
}

/**
 * The boundary whose refill is due at `now` and has not happened: the latest one after both the
 * last refill and the moment the balance was last set; null when none is due.
 */
export function dueRefill(refill: CreditsRefillValue | null, lastRefillAt: number | null, setAt: number, now: number): number | null {
  if (!refill) return null;
  const boundary = lastRefillBoundary(refill, now);
  return boundary > setAt && (lastRefillAt === null || boundary > lastRefillAt) ? boundary : null;
}

/** CREDITS_LOW fires below 10 % of the refill amount, or of the last balance set when there is no refill. */
export function lowCreditsThreshold(refillAmount: number | null, lowBase: number | null): number {
  return Math.ceil(((refillAmount ?? lowBase ?? 0) * 10) / 100);
}
