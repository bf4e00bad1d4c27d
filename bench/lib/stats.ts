import type { Figure } from "./types";

/** Summaries of repeated measurements: the machine is shared, so medians of several rounds are quoted. */
export interface Summary {
  min: number;
  median: number;
  max: number;
  samples: number[];
}

export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1], samples };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

/** A ratio with its target (`≥` or `≤` a bound); a miss carries what it was found to cost. */
export function ratio(scenario: string, name: string, summary: Summary, [sign, bound]: ["≥" | "≤", number], note?: string): Figure {
  const met = sign === "≥" ? summary.median >= bound : summary.median <= bound;
  return { scenario, name, unit: "×", summary, target: `${sign} ${bound.toFixed(2)}`, met, ...(met || !note ? {} : { note }) };
}
