import { Brackets, DataSource, EntityManager } from "typeorm";
import type { Bus } from "../bus/event-bus";
import { AuditService } from "../audit/audit.service";
import { MemberPrincipal } from "../auth/principal";
import { GrantRow, maskOf } from "../auth/resource";
import { issueApiKeySecret } from "../auth/token";
import { Clock } from "../common/clock";
import { notFound } from "../common/errors";
import { isUuid, keysetPage, Page, PageArgs } from "../common/pagination";
import { rowsByIds } from "../common/rows-by-ids";
import { FieldErrors } from "../common/validation";
import { ApiKeyGrantEntity } from "../entities/api-key-grant.entity";
import { ApiKeyEntity } from "../entities/api-key.entity";
import { ApiKeySpendEntity } from "../entities/api-key-spend.entity";
import type { RateLimitValue } from "../throttles/rate-limiter";
import { AuditAction } from "../entities/audit-entry.entity";
import {
  apiKeyStatus,
  ApiKeyStatus,
  checkGraceExpiry,
  PermissionRequest,
  rateLimitOf,
  readExpiry,
  readGracePeriod,
  readName,
  readPermissions,
  readRateLimit,
  readReason,
} from "./api-key-rules";
import { compileAllowlist, readAllowedCidrs } from "./ip-allowlist";
import { CostBudgetValue, readAdjustment, readCostBudget, readCredits } from "./key-spend-rules";
import { KeySpendService, spendOf } from "./key-spend.service";
import type { VerifiableKey } from "../auth/verifier";
import { readTrustedOperationIds, TrustedOperationsService } from "./trusted-operations.service";
import { policyRefusal, WorkspacePolicyService } from "./workspace-policy";

export interface CreateApiKeyData {
  name: string;
  expiresAt?: Date | null;
  permissions: PermissionRequest[];
  rateLimit?: RateLimitValue | null;
  /** Addresses and CIDR blocks the key may be used from; null or absent allows any. */
  allowedCidrs?: string[] | null;
  /** The trusted operations the key may run, in order; null or absent allows any. */
  trustedOperationIds?: string[] | null;
  costBudget?: CostBudgetValue | null;
  credits?: SpendInput["credits"];
}

/** The cost budget and credits as a client sends them (docs/API.md, "Cost budgets and credits"). */
export interface SpendInput {
  costBudget?: CostBudgetValue | null;
  credits?: Parameters<typeof readCredits>[2];
}

/** `undefined` leaves a field as it is; `expiresAt: null` removes the expiry. */
export interface UpdateApiKeyData {
  name?: string | null;
  expiresAt?: Date | null;
  permissions?: PermissionRequest[] | null;
  /** `null` removes the limit. */
  rateLimit?: RateLimitValue | null;
  /** `null` removes the allowlist. */
  allowedCidrs?: string[] | null;
  /** `null` removes the budget. */
  costBudget?: CostBudgetValue | null;
  /** Replaces balance and refill; `null` removes the credits. */
  credits?: SpendInput["credits"];
  /** `null` removes the list (any operation). */
  trustedOperationIds?: string[] | null;
}

export interface CreatedKey {
  apiKey: ApiKeyEntity;
  secret: string;
}

/** The bus topic of key changes: published after a key's state changed and the change committed; every instance's key cache evicts the key. */
export type KeyTopics = { "grantql.keys.changed": { keyId: string } };

const describeGrants = (rows: readonly GrantRow[]) => rows.map((r) => ({ resource: r.resource, read: r.read, write: r.write }));

/** The API-key lifecycle (docs/API.md, "Key lifecycle"). Every method is scoped to the caller's workspace. */
export class ApiKeyService {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly bus: Pick<Bus<KeyTopics>, "publish">,
    /** What a key may run and what the workspace demands of keys (docs/API.md, "Trusted operations", "Workspace policy"). */
    private readonly rules: { trustedOperations: TrustedOperationsService; policy: WorkspacePolicyService },
    private readonly spends: KeySpendService,
  ) {}

  private changed(keyId: string): void {
    this.bus.publish("grantql.keys.changed", { keyId });
  }

  async create(actor: MemberPrincipal, input: CreateApiKeyData): Promise<CreatedKey> {
    const errors = new FieldErrors();
    const name = readName(errors, "input.name", input.name);
    const expiresAt = readExpiry(errors, "input.expiresAt", input.expiresAt ?? null, this.clock.now());
    const grants = readPermissions(errors, "input.permissions", input.permissions);
    const rateLimit = readRateLimit(errors, "input.rateLimit", input.rateLimit);
    const allowedCidrs = readAllowedCidrs(errors, "input.allowedCidrs", input.allowedCidrs);
    const costBudget = readCostBudget(errors, "input.costBudget", input.costBudget);
    const credits = readCredits(errors, "input.credits", input.credits);
    errors.throwIfAny();
    return this.db.transaction(async (manager) => {
      const trustedOperationIds = await this.readTrustedList(manager, actor.workspaceId, input.trustedOperationIds);
      await this.enforcePolicy(manager, actor.workspaceId, "input.", {
        createdAt: this.clock.now(),
        expiresAt,
        allowedCidrs,
        trustedOperationIds,
      });
      const spend = await this.spends.insert(manager, actor.workspaceId, costBudget, credits);
      const created = await this.insertKey(manager, actor, {
        name,
        expiresAt,
        grants,
        rateLimit,
        allowedCidrs,
        trustedOperationIds,
        rotatedFromId: null,
        spendId: spend?.id ?? null,
      });
      await this.audit.record(manager, {
        workspaceId: actor.workspaceId,
        action: AuditAction.API_KEY_CREATED,
        actorId: actor.memberId,
        targetId: created.apiKey.id,
        details: {
          name,
          prefix: created.apiKey.prefix,
          expiresAt: expiresAt?.toISOString() ?? null,
          permissions: describeGrants(grants),
          rateLimit,
          allowedCidrs,
          ...(costBudget ? { costBudget } : {}),
          ...(credits ? { credits } : {}),
          trustedOperationIds,
        },
      });
      return created;
    });
  }

  async update(actor: MemberPrincipal, id: string, input: UpdateApiKeyData): Promise<ApiKeyEntity> {
    const errors = new FieldErrors();
    const now = this.clock.now();
    const name = input.name === undefined || input.name === null ? undefined : readName(errors, "input.name", input.name);
    const expiresAt = input.expiresAt === undefined ? undefined : readExpiry(errors, "input.expiresAt", input.expiresAt, now);
    const grants =
      input.permissions === undefined || input.permissions === null
        ? undefined
        : readPermissions(errors, "input.permissions", input.permissions);
    if (input.name === null) errors.add("input.name", "cannot be null: a key always has a name");
    if (input.permissions === null) errors.add("input.permissions", "cannot be null: a key always has at least one grant");
    const rateLimit = input.rateLimit === undefined ? undefined : readRateLimit(errors, "input.rateLimit", input.rateLimit);
    const allowedCidrs = input.allowedCidrs === undefined ? undefined : readAllowedCidrs(errors, "input.allowedCidrs", input.allowedCidrs);
    const costBudget = input.costBudget === undefined ? undefined : readCostBudget(errors, "input.costBudget", input.costBudget);
    const credits = input.credits === undefined ? undefined : readCredits(errors, "input.credits", input.credits);
    errors.throwIfAny();
    let spendChange: { spend: ApiKeySpendEntity | null; endedGeneration: number | null } = { spend: null, endedGeneration: null };
    const updated = await this.db.transaction(async (manager) => {
      const key = await this.lockKey(manager, actor.workspaceId, id);
      const status = apiKeyStatus(key, now);
      const refusal = new FieldErrors();
      refusal.check(status === ApiKeyStatus.ACTIVE, "id", `the key is ${status.toLowerCase()}; only active keys can be updated`) &&
        checkGraceExpiry(refusal, "input.expiresAt", key, expiresAt);
      refusal.throwIfAny();
      const trustedOperationIds =
        input.trustedOperationIds === undefined
          ? undefined
          : await this.readTrustedList(manager, actor.workspaceId, input.trustedOperationIds);
      await this.enforcePolicy(
        manager,
        actor.workspaceId,
        "input.",
        {
          createdAt: key.createdAt,
          expiresAt: expiresAt === undefined ? key.expiresAt : expiresAt,
          allowedCidrs: allowedCidrs === undefined ? key.allowedCidrs : allowedCidrs,
          trustedOperationIds: trustedOperationIds === undefined ? key.trustedOperationIds : trustedOperationIds,
        },
        new Set(
          Object.entries({ expiresAt, allowedCidrs, trustedOperationIds })
            .filter(([, v]) => v !== undefined)
            .map(([k]) => k),
        ),
      );
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      if (name !== undefined && name !== key.name) {
        changes.name = { from: key.name, to: name };
        key.name = name;
      }
      if (expiresAt !== undefined && expiresAt?.getTime() !== key.expiresAt?.getTime()) {
        changes.expiresAt = { from: key.expiresAt?.toISOString() ?? null, to: expiresAt?.toISOString() ?? null };
        key.expiresAt = expiresAt;
      }
      if (rateLimit !== undefined && JSON.stringify(rateLimit) !== JSON.stringify(rateLimitOf(key))) {
        changes.rateLimit = { from: rateLimitOf(key), to: rateLimit };
        key.rateLimitMax = rateLimit?.limit ?? null;
        key.rateLimitWindowSeconds = rateLimit?.windowSeconds ?? null;
      }
      if (allowedCidrs !== undefined && JSON.stringify(allowedCidrs) !== JSON.stringify(key.allowedCidrs)) {
        changes.allowedCidrs = { from: key.allowedCidrs, to: allowedCidrs };
        key.allowedCidrs = allowedCidrs;
      }
      if (trustedOperationIds !== undefined && JSON.stringify(trustedOperationIds) !== JSON.stringify(key.trustedOperationIds)) {
        changes.trustedOperationIds = { from: key.trustedOperationIds, to: trustedOperationIds };
        key.trustedOperationIds = trustedOperationIds;
      }
      const generationBefore = key.spend?.generation ?? null;
      const spent = await this.spends.update(manager, actor.workspaceId, key.spendId, costBudget, credits);
      Object.assign(changes, spent.changes);
      if (spent.spend) {
        key.spendId = spent.spend.id;
        spendChange = { spend: spent.spend, endedGeneration: generationBefore };
      }
      await manager.update(
        ApiKeyEntity,
        { id: key.id },
        {
          name: key.name,
          expiresAt: key.expiresAt,
          rateLimitMax: key.rateLimitMax,
          rateLimitWindowSeconds: key.rateLimitWindowSeconds,
          allowedCidrs: key.allowedCidrs,
          spendId: key.spendId,
          trustedOperationIds: key.trustedOperationIds,
        },
      );
      if (grants !== undefined && maskOf(grants) !== maskOf(key.grants)) {
        changes.permissions = { from: describeGrants(key.grants), to: describeGrants(grants) };
        await manager.delete(ApiKeyGrantEntity, { apiKeyId: key.id });
        await manager.insert(
          ApiKeyGrantEntity,
          grants.map((g) => ({ ...g, apiKeyId: key.id })),
        );
        key.grants = grants.map((g) => Object.assign(new ApiKeyGrantEntity(), { ...g, apiKeyId: key.id }));
      }
      if (Object.keys(changes).length > 0) {
        await this.audit.record(manager, {
          workspaceId: actor.workspaceId,
          action: AuditAction.API_KEY_UPDATED,
          actorId: actor.memberId,
          targetId: key.id,
          details: { changes },
        });
      }
      return key;
    });
    this.changed(updated.id);
    await this.spends.changed(spendChange.spend, spendChange.endedGeneration);
    return updated;
  }

  /**
   * `adjustCredits`: the balance alone changes, by `set` or `add` (exactly one), within 0–1,000,000,000,
   * on an ACTIVE key that has credits. Audited as API_KEY_CREDITS_ADJUSTED with the balance before and after.
   */
  async adjustCredits(
    actor: MemberPrincipal,
    id: string,
    set: number | null | undefined,
    add: number | null | undefined,
  ): Promise<ApiKeyEntity> {
    const errors = new FieldErrors();
    const change = readAdjustment(errors, set, add);
    errors.throwIfAny();
    const field = "set" in change ? "set" : "add";
    const result = await this.db.transaction(async (manager) => {
      const key = await this.lockKey(manager, actor.workspaceId, id);
      const status = apiKeyStatus(key, this.clock.now());
      const refusal = new FieldErrors();
      if (
        refusal.check(
          status === ApiKeyStatus.ACTIVE,
          field,
          `the key is ${status.toLowerCase()}; only active keys' credits can be adjusted`,
        )
      ) {
        const adjusted = key.spendId
          ? await this.spends.adjust(manager, key.spendId, change)
          : { refusal: "the key has no credits; give it credits with updateApiKey" };
        if ("refusal" in adjusted) refusal.add(field, adjusted.refusal);
        else
          await this.audit.record(manager, {
            workspaceId: actor.workspaceId,
            action: AuditAction.API_KEY_CREDITS_ADJUSTED,
            actorId: actor.memberId,
            targetId: key.id,
            details: { name: key.name, prefix: key.prefix, ...change, from: adjusted.from, to: adjusted.to },
          });
      }
      refusal.throwIfAny();
      return key;
    });
    const spend = result.spendId ? ((await this.spends.byIds(actor.workspaceId, [result.spendId]))[0] ?? null) : null;
    await this.spends.changed(spend, result.spend?.generation ?? null);
    return result;
  }

  /** Permanent and idempotent: a second revocation keeps the first one's time, member and reason. */
  async revoke(actor: MemberPrincipal, id: string, reason?: string | null): Promise<ApiKeyEntity> {
    return this.revokeAs({ workspaceId: actor.workspaceId, memberId: actor.memberId }, id, reason);
  }

  /**
   * Break-glass revocation by an operator (the CLI): any workspace, no member. The audit entry
   * has no actor and says it came from the operator CLI.
   */
  async revokeByOperator(id: string, reason?: string | null): Promise<ApiKeyEntity> {
    const key = isUuid(id) ? await this.db.getRepository(ApiKeyEntity).findOneBy({ id }) : null;
    if (!key) throw notFound("API key");
    return this.revokeAs({ workspaceId: key.workspaceId, memberId: null }, id, reason);
  }

  /**
   * Revocation on a leak report (src/leaks/): no member, and only while the key is ACTIVE, so an
   * expired or already revoked key keeps its status and reason.
   */
  async revokeLeaked(workspaceId: string, id: string, reason: string): Promise<ApiKeyEntity> {
    return this.revokeAs({ workspaceId, memberId: null }, id, reason, "leak-report");
  }

  private async revokeAs(
    actor: { workspaceId: string; memberId: string | null },
    id: string,
    reason?: string | null,
    via = "operator-cli",
  ): Promise<ApiKeyEntity> {
    const errors = new FieldErrors();
    const why = readReason(errors, "reason", reason);
    errors.throwIfAny();
    const key = await this.db.transaction(async (manager) => {
      const key = await this.lockKey(manager, actor.workspaceId, id);
      if (key.revokedAt || (via === "leak-report" && apiKeyStatus(key, this.clock.now()) !== ApiKeyStatus.ACTIVE)) return key;
      Object.assign(key, { revokedAt: this.clock.now(), revokedById: actor.memberId, revocationReason: why });
      await manager.update(ApiKeyEntity, { id: key.id }, { revokedAt: key.revokedAt, revokedById: key.revokedById, revocationReason: why });
      await this.audit.record(manager, {
        workspaceId: actor.workspaceId,
        action: AuditAction.API_KEY_REVOKED,
        actorId: actor.memberId,
        targetId: key.id,
        details: { name: key.name, prefix: key.prefix, reason: why, ...(actor.memberId ? {} : { via }) },
      });
      return key;
    });
    this.changed(key.id);
    return key;
  }

  /**
   * A new key with the same name, grants and expiry. With no grace period the old key is revoked
   * at once; otherwise it keeps working until now + grace and then reads EXPIRED.
   */
  async rotate(actor: MemberPrincipal, id: string, gracePeriodSeconds?: number | null): Promise<CreatedKey> {
    const errors = new FieldErrors();
    const grace = readGracePeriod(errors, "gracePeriodSeconds", gracePeriodSeconds);
    errors.throwIfAny();
    const now = this.clock.now();
    const result = await this.db.transaction(async (manager) => {
      const old = await this.lockKey(manager, actor.workspaceId, id);
      const status = apiKeyStatus(old, now);
      const refusal = new FieldErrors();
      refusal.check(status === ApiKeyStatus.ACTIVE, "id", `the key is ${status.toLowerCase()}; only active keys can be rotated`) &&
        refusal.check(old.rotatedToId === null, "id", "the key was already rotated; rotate its replacement instead");
      refusal.throwIfAny();
      // Checked as a create of the new key: its lifetime runs from now.
      await this.enforcePolicy(manager, actor.workspaceId, "", { ...old, createdAt: now });
      const created = await this.insertKey(manager, actor, {
        name: old.name,
        expiresAt: old.expiresAt,
        grants: old.grants,
        rateLimit: rateLimitOf(old),
        allowedCidrs: old.allowedCidrs,
        trustedOperationIds: old.trustedOperationIds,
        rotatedFromId: old.id,
        // The new key draws on the old one's budget and credits: during the grace period both share one balance.
        spendId: old.spendId,
      });
      const change: Partial<ApiKeyEntity> = { rotatedToId: created.apiKey.id };
      if (grace === 0) {
        Object.assign(change, { revokedAt: now, revokedById: actor.memberId, revocationReason: "rotated" });
      } else {
        const graceEnd = new Date(now.getTime() + grace * 1000);
        if (!old.expiresAt || old.expiresAt > graceEnd) change.expiresAt = graceEnd;
      }
      await manager.update(ApiKeyEntity, { id: old.id }, change);
      await this.audit.record(manager, {
        workspaceId: actor.workspaceId,
        action: AuditAction.API_KEY_ROTATED,
        actorId: actor.memberId,
        targetId: old.id,
        details: {
          name: old.name,
          oldPrefix: old.prefix,
          newKeyId: created.apiKey.id,
          newPrefix: created.apiKey.prefix,
          gracePeriodSeconds: grace,
        },
      });
      return created;
    });
    this.changed(id);
    return result;
  }

  /** Newest first; `statuses` empty or absent means every status. */
  async list(workspaceId: string, statuses: ApiKeyStatus[] | null | undefined, page: PageArgs): Promise<Page<ApiKeyEntity>> {
    const now = this.clock.now();
    const query = this.db.getRepository(ApiKeyEntity).createQueryBuilder("k").where("k.workspace_id = :workspaceId", { workspaceId, now });
    const wanted = new Set(statuses ?? []);
    if (wanted.size > 0 && wanted.size < 3) {
      query.andWhere(
        new Brackets((or) => {
          if (wanted.has(ApiKeyStatus.ACTIVE)) or.orWhere("k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > :now)");
          if (wanted.has(ApiKeyStatus.EXPIRED)) or.orWhere("k.revoked_at IS NULL AND k.expires_at <= :now");
          if (wanted.has(ApiKeyStatus.REVOKED)) or.orWhere("k.revoked_at IS NOT NULL");
        }),
      );
    }
    return keysetPage(query, page, "createdAt");
  }

  /** Null when the id is not a key of this workspace (or not an id at all). */
  async get(workspaceId: string, id: string): Promise<ApiKeyEntity | null> {
    if (!isUuid(id)) return null;
    return this.db.getRepository(ApiKeyEntity).findOneBy({ workspaceId, id });
  }

  byIds(workspaceId: string, ids: readonly string[]): Promise<ApiKeyEntity[]> {
    return rowsByIds(this.db, ApiKeyEntity, "k", workspaceId, ids);
  }

  /** Grants of many keys in one statement, for the per-request loader. */
  async grantsOf(keyIds: readonly string[]): Promise<ApiKeyGrantEntity[]> {
    if (keyIds.length === 0) return [];
    return this.db.getRepository(ApiKeyGrantEntity).createQueryBuilder("g").where("g.api_key_id IN (:...keyIds)", { keyIds }).getMany();
  }

  /** One statement: the key and its grants, for verification. */
  async findVerifiable(digest: string): Promise<VerifiableKey | null> {
    const key = await this.db
      .getRepository(ApiKeyEntity)
      .createQueryBuilder("k")
      .leftJoinAndSelect("k.grants", "g")
      .leftJoinAndSelect("k.spend", "s")
      .where("k.digest = :digest", { digest })
      .getOne();
    if (!key) return null;
    return {
      id: key.id,
      workspaceId: key.workspaceId,
      prefix: key.prefix,
      grants: maskOf(key.grants),
      expiresAt: key.expiresAt?.getTime() ?? null,
      revokedAt: key.revokedAt?.getTime() ?? null,
      rateLimit: rateLimitOf(key),
      allowlist: compileAllowlist(key.allowedCidrs),
      spend: spendOf(key.spend),
      trustedOperations: key.trustedOperationIds && new Set(key.trustedOperationIds),
    };
  }

  /** `trustedOperationIds` of an input, checked against the workspace's trusted operations; undefined stays undefined. */
  private async readTrustedList(manager: EntityManager, workspaceId: string, raw: string[] | null | undefined): Promise<string[] | null> {
    const errors = new FieldErrors();
    const ids = await readTrustedOperationIds(this.rules.trustedOperations, manager, errors, workspaceId, "input.trustedOperationIds", raw);
    errors.throwIfAny();
    return ids;
  }

  /** Refuses a key the workspace policy forbids, naming the fields (among `fields`, those the operation sets). */
  private async enforcePolicy(
    manager: EntityManager,
    workspaceId: string,
    prefix: string,
    key: Parameters<typeof policyRefusal>[1],
    fields?: ReadonlySet<string>,
  ): Promise<void> {
    const refusal = policyRefusal(await this.rules.policy.get(workspaceId, manager), key, prefix, fields);
    if (refusal) throw refusal;
  }

  private async insertKey(
    manager: EntityManager,
    actor: MemberPrincipal,
    data: {
      name: string;
      expiresAt: Date | null;
      grants: readonly GrantRow[];
      rateLimit: RateLimitValue | null;
      allowedCidrs: string[] | null;
      trustedOperationIds: string[] | null;
      rotatedFromId: string | null;
      spendId: string | null;
    },
  ): Promise<CreatedKey> {
    const { secret, prefix, digest } = issueApiKeySecret();
    const key = manager.create(ApiKeyEntity, {
      workspaceId: actor.workspaceId,
      name: data.name,
      prefix,
      digest,
      expiresAt: data.expiresAt,
      createdAt: this.clock.now(),
      createdById: actor.memberId,
      revokedAt: null,
      revokedById: null,
      revocationReason: null,
      rotatedFromId: data.rotatedFromId,
      rotatedToId: null,
      rateLimitMax: data.rateLimit?.limit ?? null,
      rateLimitWindowSeconds: data.rateLimit?.windowSeconds ?? null,
      allowedCidrs: data.allowedCidrs,
      spendId: data.spendId,
      trustedOperationIds: data.trustedOperationIds,
    });
    await manager.insert(ApiKeyEntity, key);
    const grants = data.grants.map((g) =>
      Object.assign(new ApiKeyGrantEntity(), { apiKeyId: key.id, resource: g.resource, read: g.read, write: g.write }),
    );
    await manager.insert(ApiKeyGrantEntity, grants);
    key.grants = grants;
    return { apiKey: key, secret };
  }

  /** The key, locked for the rest of the transaction, with its grants; NOT_FOUND outside the workspace. */
  private async lockKey(manager: EntityManager, workspaceId: string, id: string): Promise<ApiKeyEntity> {
    if (!isUuid(id)) throw notFound("API key");
    const key = await manager
      .getRepository(ApiKeyEntity)
      .createQueryBuilder("k")
      .where("k.workspace_id = :workspaceId AND k.id = :id", { workspaceId, id })
      .setLock("pessimistic_write")
      .getOne();
    if (!key) throw notFound("API key");
    key.grants = await manager.getRepository(ApiKeyGrantEntity).findBy({ apiKeyId: key.id });
    if (key.spendId) key.spend = await manager.getRepository(ApiKeySpendEntity).findOneBy({ id: key.spendId });
    return key;
  }
}
