/**
 * The arithmetic of the usage windows, kept pure so it can be tested without a database.
 *
 * A window of D ending now covers the minute buckets (floorMinute(now) − D, floorMinute(now)]:
 * the current minute and the D/1min − 1 before it, so it is exact to the minute. It is read as
 * minute rows for the ragged edges and hour rows for the whole hours in between, so 30 days cost
 * at most about 840 rows per key instead of 43,200.
 */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export const WINDOWS = { last24h: DAY_MS, last7d: 7 * DAY_MS, last30d: 30 * DAY_MS } as const;
export type WindowName = keyof typeof WINDOWS;

export interface WindowPlan {
  /** Minute rows in [headFrom, headTo) plus the shared tail. */
  headFrom: Date;
  headTo: Date;
  /** Hour rows in [hoursFrom, tailFrom). */
  hoursFrom: Date;
}

export interface WindowsPlan {
  /** Minute rows in [tailFrom, end] belong to every window. */
  tailFrom: Date;
  end: Date;
  windows: Record<WindowName, WindowPlan>;
}

export const floorTo = (ms: number, unit: number) => Math.floor(ms / unit) * unit;
const ceilTo = (ms: number, unit: number) => Math.ceil(ms / unit) * unit;

export function planWindows(now: Date): WindowsPlan {
  const end = floorTo(now.getTime(), MINUTE_MS);
  const tailFrom = floorTo(end, HOUR_MS);
  const windows = {} as Record<WindowName, WindowPlan>;
  for (const [name, length] of Object.entries(WINDOWS) as [WindowName, number][]) {
    const start = end - length + MINUTE_MS;
    const hoursFrom = Math.min(ceilTo(start, HOUR_MS), tailFrom);
    windows[name] = { headFrom: new Date(start), headTo: new Date(hoursFrom), hoursFrom: new Date(hoursFrom) };
  }
  return { tailFrom: new Date(tailFrom), end: new Date(end), windows };
}
