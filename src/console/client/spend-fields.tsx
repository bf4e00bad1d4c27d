import type { FieldError } from "./api";
import { FieldMessage, fieldAria, formatCount, messageFor } from "./ui";

/** The create dialog's budget and credits, as typed (empty: not set). */
export interface SpendDraft {
  budget: string;
  restore: string;
  credits: string;
  refillAmount: string;
  refillInterval: "" | "DAILY" | "MONTHLY";
  dayOfMonth: string;
}

export const EMPTY_SPEND: SpendDraft = { budget: "", restore: "", credits: "", refillAmount: "", refillInterval: "", dayOfMonth: "" };

/** What the draft adds to `CreateApiKeyInput`; the API checks the ranges (an empty number it needs is sent as 0, so it names it). */
export function spendInput(draft: SpendDraft): Record<string, unknown> {
  const n = (text: string) => (text.trim() === "" ? 0 : Number(text));
  const input: Record<string, unknown> = {};
  if (draft.budget !== "" || draft.restore !== "") input.costBudget = { maximum: n(draft.budget), restorePerSecond: n(draft.restore) };
  if (draft.credits !== "" || draft.refillInterval !== "") {
    const refill = draft.refillInterval
      ? {
          amount: n(draft.refillAmount),
          interval: draft.refillInterval,
          ...(draft.refillInterval === "MONTHLY" && draft.dayOfMonth !== "" ? { dayOfMonth: n(draft.dayOfMonth) } : {}),
        }
      : null;
    input.credits = { remaining: n(draft.credits), refill };
  }
  return input;
}

const FIELDS: { key: keyof SpendDraft; id: string; label: string; path: string; hint: string }[] = [
  {
    key: "budget",
    id: "key-budget",
    label: "Cost budget",
    path: "input.costBudget.maximum",
    hint: "Optional: points the key may hold (1–10,000,000).",
  },
  {
    key: "restore",
    id: "key-restore",
    label: "Restore per second",
    path: "input.costBudget.restorePerSecond",
    hint: "Points the budget regains each second.",
  },
  {
    key: "credits",
    id: "key-credits",
    label: "Credits",
    path: "input.credits.remaining",
    hint: "Optional: requests the key may make (0–1,000,000,000).",
  },
  {
    key: "refillAmount",
    id: "key-refill-amount",
    label: "Refill amount",
    path: "input.credits.refill.amount",
    hint: "Credits are set to this at each refill.",
  },
];

/** Cost budget, restore rate, credits and their refill, each with its error beside it. */
export function SpendFields({
  draft,
  errors,
  onChange,
}: {
  draft: SpendDraft;
  errors: FieldError[];
  onChange: (draft: SpendDraft) => void;
}) {
  const set = (key: keyof SpendDraft, value: string) => onChange({ ...draft, [key]: value });
  const dayError = messageFor(errors, "input.credits.refill.dayOfMonth");
  return (
    <fieldset>
      <legend>Spending</legend>
      {FIELDS.map((f) => {
        const error = messageFor(errors, f.path);
        return (
          <div key={f.key}>
            <label htmlFor={f.id}>{f.label}</label>
            <p id={`${f.id}-hint`} className="hint">
              {f.hint}
            </p>
            <input
              {...fieldAria(f.id, error, true)}
              inputMode="numeric"
              value={draft[f.key]}
              onChange={(e) => set(f.key, e.target.value)}
            />
            <FieldMessage id={`${f.id}-error`} label={f.label} message={error} />
          </div>
        );
      })}
      <label htmlFor="key-refill-interval">Refill interval</label>
      <select id="key-refill-interval" value={draft.refillInterval} onChange={(e) => set("refillInterval", e.target.value)}>
        <option value="">No refill</option>
        <option value="DAILY">Daily (00:00 UTC)</option>
        <option value="MONTHLY">Monthly</option>
      </select>
      <label htmlFor="key-day-of-month">Day of month</label>
      <input
        {...fieldAria("key-day-of-month", dayError)}
        inputMode="numeric"
        disabled={draft.refillInterval !== "MONTHLY"}
        value={draft.dayOfMonth}
        onChange={(e) => set("dayOfMonth", e.target.value)}
      />
      <FieldMessage id="key-day-of-month-error" label="Day of month" message={dayError} />
    </fieldset>
  );
}

export interface SpendView {
  costBudget: { maximum: number; restorePerSecond: number; currentlyAvailable: number } | null;
  credits: {
    remaining: number;
    refill: { amount: number; interval: string; dayOfMonth: number | null } | null;
    lastRefillAt: string | null;
  } | null;
}

export const SPEND_FIELDS = `costBudget { maximum restorePerSecond currentlyAvailable } credits { remaining refill { amount interval dayOfMonth } lastRefillAt }`;

function refillText(credits: SpendView["credits"]): string {
  const refill = credits?.refill;
  if (!refill) return "None";
  const when = refill.interval === "DAILY" ? "every day at 00:00 UTC" : `every month on day ${refill.dayOfMonth}`;
  return `${formatCount(refill.amount)} ${when}`;
}

/** The key's bucket and credits on its page, following `apiKeyUsage`. */
export function SpendFacts({ spend }: { spend: SpendView }) {
  const facts: [string, string][] = [
    [
      "Cost budget",
      spend.costBudget ? `${formatCount(spend.costBudget.currentlyAvailable)} of ${formatCount(spend.costBudget.maximum)} points` : "None",
    ],
    ["Restore per second", spend.costBudget ? formatCount(spend.costBudget.restorePerSecond) : "—"],
    ["Credits", spend.credits ? formatCount(spend.credits.remaining) : "Unlimited"],
    ["Refill", refillText(spend.credits)],
  ];
  return (
    <>
      {facts.map(([term, value]) => {
        const id = `fact-${term.toLowerCase().replace(/\s+/g, "-")}`;
        return [
          <dt key={`${id}-t`} id={id}>
            {term}
          </dt>,
          <dd key={`${id}-d`}>
            <output aria-labelledby={id}>{value}</output>
          </dd>,
        ];
      })}
    </>
  );
}
