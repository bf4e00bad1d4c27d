import type { DataSource } from "typeorm";
import type { AlertCandidate, SecurityAlertService } from "../alerts/security-alert.service";
import { isWellFormedApiKey, sha256 } from "../auth/token";
import type { Clock } from "../common/clock";
import { SecurityAlertKind } from "../entities/security-alert.entity";
import type { ApiKeyService } from "../keys/api-key.service";

/** One token a secret scanner found (docs/API.md, "Key safety"); `url` and `source` are optional. */
export interface LeakReportEntry {
  token: string;
  type?: unknown;
  url?: unknown;
  source?: unknown;
}

export interface LeakAnswer {
  token_hash: string;
  token_type: "grantql_api_key";
  label: "true_positive" | "false_positive";
}

interface ReportedKey {
  id: string;
  workspace_id: string;
  digest: string;
  prefix: string;
}

const CONTROL = /[\u0000-\u001f\u007f]/g;
const text = (value: unknown, max: number): string | null =>
  typeof value === "string" && value.trim() !== "" ? value.replace(CONTROL, "").trim().slice(0, max) : null;

/**
 * Leak reports: every reported key that exists is a true positive whatever its status; an ACTIVE
 * one is revoked at once through the ordinary revocation path (every instance evicts it), and the
 * first report of a key raises one KEY_LEAKED alert. A token whose shape or checksum is wrong is
 * a false positive without a database look-up; the rest are looked up in one statement.
 */
export class LeakReportService {
  constructor(
    private readonly db: DataSource,
    private readonly apiKeys: ApiKeyService,
    private readonly alerts: SecurityAlertService,
    private readonly clock: Clock,
    /** LEAK_REPORT_SECRET; without it the endpoint does not exist. */
    readonly secret: string | undefined,
  ) {}

  async report(entries: readonly LeakReportEntry[]): Promise<LeakAnswer[]> {
    const hashes = entries.map((e) => sha256(e.token));
    const candidates = [...new Set(hashes.filter((_, i) => isWellFormedApiKey(entries[i].token)))];
    const found: ReportedKey[] = candidates.length
      ? await this.db.query(
          `SELECT id::text AS id, workspace_id::text AS workspace_id, digest, prefix FROM api_key WHERE digest = ANY($1::bpchar[])`,
          [candidates],
        )
      : [];
    const byDigest = new Map(found.map((k) => [k.digest.trim(), k]));
    const handled = new Set<string>();
    const alerts: AlertCandidate[] = [];
    for (const [i, entry] of entries.entries()) {
      const key = byDigest.get(hashes[i]);
      if (!key || handled.has(key.id)) continue;
      handled.add(key.id);
      const url = text(entry.url, 480);
      const source = text(entry.source, 200);
      // Only an ACTIVE key is revoked; an expired or revoked one keeps its status and reason.
      await this.apiKeys.revokeLeaked(key.workspace_id, key.id, url ? `leaked: ${url}` : "leaked");
      alerts.push({
        workspaceId: key.workspace_id,
        apiKeyId: key.id,
        kind: SecurityAlertKind.KEY_LEAKED,
        occurredAt: this.clock.now(),
        message: (name) => (url ? `Key "${name}" was reported leaked at ${url}` : `Key "${name}" was reported leaked`),
        details: { url, source, prefix: key.prefix },
        // Only the first report of a key raises an alert.
        dedupeKey: "leaked",
      });
    }
    await this.alerts.raise(alerts);
    return hashes.map((hash) => ({
      token_hash: hash,
      token_type: "grantql_api_key",
      label: byDigest.has(hash) ? "true_positive" : "false_positive",
    }));
  }
}
