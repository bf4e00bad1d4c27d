import type { Clock } from "../common/clock";
import { SecurityAlertKind } from "../entities/security-alert.entity";
import type { KeySpendService } from "../keys/key-spend.service";
import type { Logger } from "../logger";
import type { AlertCandidate } from "./security-alert.service";

/** How often the balances requests drew on are read again: CREDITS_LOW is raised within 5 s. */
export const CREDITS_LOW_INTERVAL_MS = 1000;

/**
 * CREDITS_LOW (docs/API.md, "Cost budgets and credits"): every second, the balances requests
 * drew on since the last look are read exactly (one statement, one Redis round trip for all), and
 * each below 10 % of its refill amount (or of the balance last set) is raised once per generation
 * (a refill or a balance set starts a new one; `add` does not). No request waits for it.
 */
export class CreditsLowWatch {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly spends: Pick<KeySpendService, "drainTouched" | "readCredits">,
    private readonly raise: (candidates: readonly AlertCandidate[]) => Promise<unknown>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly intervalMs = CREDITS_LOW_INTERVAL_MS,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.check().finally(() => (this.running = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One look at the balances touched since the last one. */
  async check(): Promise<void> {
    const touched = this.spends.drainTouched();
    const byWorkspace = new Map<string, typeof touched>();
    for (const t of touched) byWorkspace.set(t.workspaceId, [...(byWorkspace.get(t.workspaceId) ?? []), t]);
    for (const [workspaceId, balances] of byWorkspace) {
      try {
        const readings = await this.spends.readCredits(
          workspaceId,
          balances.map((b) => b.spend),
        );
        const candidates = balances.flatMap((b): AlertCandidate[] => {
          const reading = readings.get(b.spend.id);
          if (!reading || reading.remaining >= reading.threshold) return [];
          const { remaining, threshold } = reading;
          return [
            {
              workspaceId,
              apiKeyId: b.apiKeyId,
              kind: SecurityAlertKind.CREDITS_LOW,
              occurredAt: this.clock.now(),
              message: (name) => `Key "${name}" has ${remaining} credits left, below ${threshold}`,
              details: { remaining, threshold },
              dedupeKey: `credits-low:${b.spend.id}:${reading.generation}`,
            },
          ];
        });
        if (candidates.length > 0) await this.raise(candidates);
      } catch (error) {
        this.logger.warn(
          { err: { message: (error as Error).message } },
          "credits-low check failed; the balances are read again at their next use",
        );
      }
    }
  }
}
