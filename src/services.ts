import { DataSource } from "typeorm";
import { AuditService } from "./audit/audit.service";
import { Verifier } from "./auth/verifier";
import { Clock } from "./common/clock";
import { Config } from "./config";
import { ApiKeyService } from "./keys/api-key.service";
import { KeyCache } from "./keys/key-cache";
import { MembersService } from "./members/members.service";
import { UsageService } from "./usage/usage.service";

/** Every domain service, wired once per process and handed to resolvers through the context. */
export interface Services {
  clock: Clock;
  db: DataSource;
  audit: AuditService;
  members: MembersService;
  apiKeys: ApiKeyService;
  keyCache: KeyCache;
  verifier: Verifier;
  usage: UsageService;
  /** Called after a key's state committed; other parts (the Redis bus) add listeners. */
  keyChanged: Set<(keyId: string) => void>;
}

export function createServices(db: DataSource, config: Config, clock: Clock): Services {
  const audit = new AuditService(db, clock);
  const members = new MembersService(db, audit, clock, {
    signupEnabled: config.signupEnabled,
    sessionTtlSeconds: config.sessionTtlSeconds,
    scryptCost: config.scryptCost,
  });
  const keyChanged = new Set<(keyId: string) => void>();
  const apiKeys = new ApiKeyService(db, audit, clock, (keyId) => keyChanged.forEach((listener) => listener(keyId)));
  const keyCache = new KeyCache((digest) => apiKeys.findVerifiable(digest), config.keyCacheTtlMs);
  keyChanged.add((keyId) => keyCache.invalidate(keyId));
  const verifier = new Verifier(keyCache, { get: (digest) => members.findSession(digest) }, clock);
  return { clock, db, audit, members, apiKeys, keyCache, verifier, usage: new UsageService(), keyChanged };
}
