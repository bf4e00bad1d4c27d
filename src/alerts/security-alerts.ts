import type { DataSource } from "typeorm";
import type { Clock } from "../common/clock";
import type { Logger } from "../logger";
import type { Bus } from "../bus/event-bus";
import type { UsageTopics } from "../usage/bus-messages";
import type { UsageService } from "../usage/usage.service";
import type { KeySpendService } from "../keys/key-spend.service";
import { CreditsLowWatch } from "./credits-low-watch";
import { ExpiryAlertJob } from "./expiry-alert-job";
import { SecurityAlertService } from "./security-alert.service";
import { UsageAlertDetector } from "./usage-alert-detector";

/** Security alerts, wired once per process: the store and stream, the usage detector and the expiry scan. */
export class SecurityAlerts {
  readonly service: SecurityAlertService;
  readonly detector: UsageAlertDetector;
  readonly expiryJob: ExpiryAlertJob;
  readonly creditsLow: CreditsLowWatch;

  constructor(
    db: DataSource,
    bus: Bus<UsageTopics>,
    usage: Pick<UsageService, "countsFor">,
    clock: Clock,
    logger: Logger,
    scanIntervalMs: number,
    spends: KeySpendService,
  ) {
    this.service = new SecurityAlertService(db, bus, logger);
    const raise = this.service.raise.bind(this.service);
    this.detector = new UsageAlertDetector(
      bus,
      raise,
      async (apiKeyId) => (await usage.countsFor([apiKeyId])).get(apiKeyId)?.last24h ?? 0,
      logger,
    );
    this.detector.start();
    this.expiryJob = new ExpiryAlertJob(db, clock, this.service, logger, scanIntervalMs);
    this.expiryJob.start();
    this.creditsLow = new CreditsLowWatch(spends, raise, clock, logger);
    this.creditsLow.start();
  }

  async close(): Promise<void> {
    this.detector.stop();
    await this.creditsLow.stop();
    await this.expiryJob.stop();
  }
}
