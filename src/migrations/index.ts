import { Foundation1764100000000 } from "./1764100000000-foundation";
import { Resources1764200000000 } from "./1764200000000-resources";
import { Usage1764300000000 } from "./1764300000000-usage";
import { RateLimits1764400000000 } from "./1764400000000-rate-limits";
import { KeySafety1764500000000 } from "./1764500000000-key-safety";
import { AuditRetention1764510000000 } from "./1764510000000-audit-retention";
import { KeySpend1764610000000 } from "./1764610000000-key-spend";
import { TrustedOperations1764620000000 } from "./1764620000000-trusted-operations";
import { TenantStatistics1764630000000 } from "./1764630000000-tenant-statistics";

/** Every migration in order. Landed migrations are never edited; a change is a new one. */
export const migrations = [
  Foundation1764100000000,
  Resources1764200000000,
  Usage1764300000000,
  RateLimits1764400000000,
  KeySafety1764500000000,
  AuditRetention1764510000000,
  KeySpend1764610000000,
  TrustedOperations1764620000000,
  TenantStatistics1764630000000,
];
