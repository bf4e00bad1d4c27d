import { DataSource, EntityManager } from "typeorm";
import type { MemberPrincipal } from "../auth/principal";
import { keysetPage, Page, PageArgs } from "../common/pagination";
import { FieldErrors } from "../common/validation";
import { SecurityAlertEntity, SecurityAlertKind } from "../entities/security-alert.entity";
import type { Logger } from "../logger";
import type { SecurityAlertMessage } from "../usage/bus-messages";
import type { Bus } from "../bus/event-bus";
import type { SubscriberQueue } from "../bus/subscriber-queue";
import type { UsageTopics } from "../usage/bus-messages";

/**
 * A condition seen; stored at most once per (kind, key, dedupeKey), and at most once per cooldown;
 * only for a key of this database that belongs to `workspaceId` (a digest names both, and a
 * digest from elsewhere must never raise, nor reach, a workspace here).
 */
export interface AlertCandidate {
  workspaceId: string;
  apiKeyId: string;
  kind: SecurityAlertKind;
  occurredAt: Date;
  /** One human sentence, given the key's name. */
  message: (keyName: string) => string;
  details: Record<string, unknown>;
  dedupeKey: string;
  /** What the cooldown is per (an address); empty by default. */
  subject?: string;
  /** No second alert of this kind, key and subject within this many ms before `occurredAt`. */
  cooldownMs?: number;
  /**
   * At most this many alerts of this kind per key and clock minute, on every instance together;
   * the rest of the minute's are told in one summarising alert (subject `*`).
   */
  perMinute?: number;
}

const MINUTE_MS = 60_000;
/** The addresses a summarising alert names; it counts the rest. */
const SUMMARY_SAMPLE = 10;

const INSERT_SQL = `
INSERT INTO security_alert (workspace_id, api_key_id, kind, occurred_at, message, details, subject, dedupe_key)
SELECT c.workspace_id, c.api_key_id, c.kind, c.occurred_at, c.message, c.details::jsonb, c.subject, c.dedupe_key
FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])
  AS c(workspace_id, api_key_id, kind, occurred_at, message, details, subject, dedupe_key, cooldown_from)
JOIN api_key k ON k.id = c.api_key_id AND k.workspace_id = c.workspace_id
WHERE c.cooldown_from IS NULL OR NOT EXISTS (
  SELECT 1 FROM security_alert a WHERE a.api_key_id = c.api_key_id AND a.kind = c.kind AND a.subject = c.subject AND a.occurred_at > c.cooldown_from)
ON CONFLICT (kind, api_key_id, dedupe_key) DO NOTHING
RETURNING id, workspace_id, api_key_id, kind, occurred_at, message, details`;

/**
 * Security alerts: stored exactly once however many instances see a condition (a unique index,
 * `ON CONFLICT DO NOTHING RETURNING`, and for cooldowns a per-key advisory lock), then published
 * (only what this instance inserted, after commit) on the workspace's topic.
 */
export class SecurityAlertService {
  constructor(
    private readonly db: DataSource,
    private readonly bus: Bus<UsageTopics>,
    private readonly logger: Logger,
  ) {}

  /** Stores what is new in the caller's transaction; the caller publishes the result after commit. */
  async insert(manager: EntityManager, candidates: readonly AlertCandidate[]): Promise<SecurityAlertMessage[]> {
    if (candidates.length === 0) return [];
    candidates = await this.withinCaps(manager, candidates);
    const ids = [...new Set(candidates.map((c) => c.apiKeyId))];
    const names = new Map<string, string>(
      (
        (await manager.query(`SELECT id::text AS id, name FROM api_key WHERE id = ANY($1::uuid[])`, [ids])) as {
          id: string;
          name: string;
        }[]
      ).map((r) => [r.id, r.name]),
    );
    // Cooldowns are checked under a lock per (kind, key, subject), so two instances cannot both pass.
    const locks = [
      ...new Set(candidates.filter((c) => c.cooldownMs).map((c) => `grantql.alert:${c.kind}:${c.apiKeyId}:${c.subject ?? ""}`)),
    ].sort();
    for (const lock of locks) await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [lock]);
    const rows: Record<string, unknown>[] = await manager.query(INSERT_SQL, [
      candidates.map((c) => c.workspaceId),
      candidates.map((c) => c.apiKeyId),
      candidates.map((c) => c.kind),
      candidates.map((c) => c.occurredAt.toISOString()),
      candidates.map((c) => c.message(names.get(c.apiKeyId) ?? "(deleted)").slice(0, 500)),
      candidates.map((c) => JSON.stringify(c.details)),
      candidates.map((c) => c.subject ?? ""),
      candidates.map((c) => c.dedupeKey.slice(0, 100)),
      candidates.map((c) => (c.cooldownMs ? new Date(c.occurredAt.getTime() - c.cooldownMs).toISOString() : null)),
    ]);
    return rows.map((r) => ({
      id: String(r.id),
      workspaceId: String(r.workspace_id),
      apiKeyId: r.api_key_id === null ? null : String(r.api_key_id),
      kind: r.kind as SecurityAlertKind,
      occurredAt: new Date(r.occurred_at as string).toISOString(),
      message: String(r.message),
      details: (r.details as Record<string, unknown> | null) ?? null,
    }));
  }

  /**
   * Candidates past their kind's per-minute cap for a key are replaced by one summarising alert per
   * key and minute. Counted under a lock per kind and key, so instances together keep the cap.
   */
  private async withinCaps(manager: EntityManager, candidates: readonly AlertCandidate[]): Promise<AlertCandidate[]> {
    const groups = new Map<string, { minute: number; list: AlertCandidate[] }>();
    const kept: AlertCandidate[] = [];
    for (const c of candidates) {
      if (!c.perMinute) {
        kept.push(c);
        continue;
      }
      const minute = Math.floor(c.occurredAt.getTime() / MINUTE_MS) * MINUTE_MS;
      const name = `${c.kind}:${c.apiKeyId}:${minute}`;
      const group = groups.get(name);
      if (group) group.list.push(c);
      else groups.set(name, { minute, list: [c] });
    }
    for (const name of [...groups.keys()].sort()) {
      const { minute, list } = groups.get(name)!;
      list.sort((x, y) => x.occurredAt.getTime() - y.occurredAt.getTime());
      const { kind, apiKeyId, perMinute = 0 } = list[0];
      await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`grantql.alert-cap:${kind}:${apiKeyId}`]);
      const [{ n }] = await manager.query(
        `SELECT count(*)::int AS n FROM security_alert
         WHERE api_key_id = $1 AND kind = $2 AND subject <> '*' AND occurred_at >= $3 AND occurred_at < $4`,
        [apiKeyId, kind, new Date(minute).toISOString(), new Date(minute + MINUTE_MS).toISOString()],
      );
      const room = Math.max(0, perMinute - n);
      kept.push(...list.slice(0, room));
      const rest = list.slice(room);
      if (rest.length > 0) kept.push(summaryOf(rest, perMinute, new Date(minute)));
    }
    return kept;
  }

  /** Stores and, after commit, publishes; returns what was new. Failures are logged, never thrown. */
  async raise(candidates: readonly AlertCandidate[]): Promise<SecurityAlertMessage[]> {
    if (candidates.length === 0) return [];
    try {
      const raised = await this.db.transaction((manager) => this.insert(manager, candidates));
      this.publish(raised);
      return raised;
    } catch (error) {
      this.logger.error({ err: error, kinds: candidates.map((c) => c.kind) }, "security alerts could not be stored");
      return [];
    }
  }

  publish(alerts: readonly SecurityAlertMessage[]): void {
    for (const alert of alerts) this.bus.publish("grantql.alerts.raised", alert, alert.workspaceId);
  }

  /** Newest first; `kinds` absent means every kind. */
  async list(workspaceId: string, kinds: SecurityAlertKind[] | null | undefined, page: PageArgs): Promise<Page<SecurityAlertEntity>> {
    const query = this.db
      .getRepository(SecurityAlertEntity)
      .createQueryBuilder("a")
      .where("a.workspace_id = :workspaceId", { workspaceId });
    if (kinds && kinds.length > 0) query.andWhere("a.kind IN (:...kinds)", { kinds });
    return keysetPage(query, page, "occurredAt");
  }

  /** Alerts of the member's workspace only (the topic is routed by workspace), narrowed by kind, in the subscriber's own queue. */
  stream(member: MemberPrincipal, kinds: SecurityAlertKind[] | null | undefined): SubscriberQueue<SecurityAlertMessage> {
    const errors = new FieldErrors();
    errors.check(!kinds || kinds.length > 0, "kinds", "must name at least one kind, or be left out for all");
    errors.throwIfAny();
    const wanted = kinds ? new Set(kinds) : null;
    return this.bus.stream("grantql.alerts.raised", member.workspaceId, "securityAlerts", (alert, push) => {
      if (!wanted || wanted.has(alert.kind)) push(alert);
    });
  }
}

/** One alert for the candidates of one kind, key and minute past the cap: how many, and a sample of their subjects. */
function summaryOf(rest: readonly AlertCandidate[], perMinute: number, minute: Date): AlertCandidate {
  const first = rest[0];
  const subjects = rest.map((c) => c.subject ?? "");
  return {
    workspaceId: first.workspaceId,
    apiKeyId: first.apiKeyId,
    kind: first.kind,
    occurredAt: rest[rest.length - 1].occurredAt,
    message: (name) =>
      `Key "${name}" raised ${rest.length} more ${first.kind} alerts in the minute from ${minute.toISOString()} than the ${perMinute} told one by one`,
    details: { summarised: rest.length, subjects: subjects.slice(0, SUMMARY_SAMPLE), minute: minute.toISOString() },
    subject: "*",
    dedupeKey: `*@${minute.toISOString()}`,
  };
}
