import { GraphQLError } from "graphql";
import type { DataSource, EntityManager } from "typeorm";
import type { AuditService } from "../audit/audit.service";
import type { MemberPrincipal } from "../auth/principal";
import { badUserInput, FieldError } from "../common/errors";
import { FieldErrors } from "../common/validation";
import { AuditAction } from "../entities/audit-entry.entity";
import { WorkspacePolicyEntity } from "../entities/workspace-policy.entity";

/** What a workspace demands of its keys (GitHub's organisation policies for tokens). */
export interface WorkspacePolicyValue {
  maxKeyLifetimeDays: number | null;
  requireExpiry: boolean;
  requireAllowedCidrs: boolean;
  requireTrustedOperations: boolean;
}

/** `undefined` keeps a value; `maxKeyLifetimeDays: null` removes it; a Boolean may not be null. */
export interface WorkspacePolicyChange {
  maxKeyLifetimeDays?: number | null;
  requireExpiry?: boolean | null;
  requireAllowedCidrs?: boolean | null;
  requireTrustedOperations?: boolean | null;
}

export const MAX_KEY_LIFETIME_DAYS = 3650;
const DAY_MS = 86_400_000;
const NO_POLICY: WorkspacePolicyValue = Object.freeze({
  maxKeyLifetimeDays: null,
  requireExpiry: false,
  requireAllowedCidrs: false,
  requireTrustedOperations: false,
});

/** What the policy reads of a key (or of a key about to be made). */
export interface KeyShape {
  createdAt: Date;
  expiresAt: Date | null;
  allowedCidrs: readonly string[] | null;
  trustedOperationIds: readonly string[] | null;
}

/** The key's field each policy is about, as an input names it. */
const FIELD_OF_POLICY = {
  maxKeyLifetimeDays: "expiresAt",
  requireExpiry: "expiresAt",
  requireAllowedCidrs: "allowedCidrs",
  requireTrustedOperations: "trustedOperationIds",
} as const;
export type PolicyName = keyof typeof FIELD_OF_POLICY;

/** The names of the policies a key breaks, sorted. */
export function policyViolations(policy: WorkspacePolicyValue, key: KeyShape): PolicyName[] {
  const broken: PolicyName[] = [];
  const max = policy.maxKeyLifetimeDays;
  if (max !== null && (key.expiresAt === null || key.expiresAt.getTime() - key.createdAt.getTime() > max * DAY_MS))
    broken.push("maxKeyLifetimeDays");
  if (policy.requireAllowedCidrs && key.allowedCidrs === null) broken.push("requireAllowedCidrs");
  if (policy.requireExpiry && key.expiresAt === null) broken.push("requireExpiry");
  if (policy.requireTrustedOperations && key.trustedOperationIds === null) broken.push("requireTrustedOperations");
  return broken;
}

const MESSAGES: Record<PolicyName, (policy: WorkspacePolicyValue) => string> = {
  maxKeyLifetimeDays: (p) => `the workspace policy allows keys to live at most ${p.maxKeyLifetimeDays} days: set an expiry within that`,
  requireExpiry: () => "the workspace policy requires every key to expire",
  requireAllowedCidrs: () => "the workspace policy requires every key to have allowed addresses",
  requireTrustedOperations: () => "the workspace policy requires every key to be held to trusted operations",
};

/**
 * The refusal of a key operation that would break the policy: BAD_USER_INPUT naming each field
 * (`prefix` + the key's field, only among `fields`, those the operation sets) and, in
 * `extensions.policy`, the policy (the first, sorted, when several); null when nothing breaks.
 */
export function policyRefusal(
  policy: WorkspacePolicyValue,
  key: KeyShape,
  prefix: string,
  fields: ReadonlySet<string> = new Set(Object.values(FIELD_OF_POLICY)),
): GraphQLError | null {
  const broken = policyViolations(policy, key).filter((name) => fields.has(FIELD_OF_POLICY[name]));
  if (broken.length === 0) return null;
  const entries: (FieldError & { policy: PolicyName })[] = [];
  for (const name of broken) {
    const field = `${prefix}${FIELD_OF_POLICY[name]}`;
    if (!entries.some((e) => e.field === field)) entries.push({ field, message: MESSAGES[name](policy), policy: name });
  }
  const refusal = badUserInput(entries);
  return new GraphQLError(refusal.message, { extensions: { ...refusal.extensions, policy: broken[0] } });
}

/** The workspace policy (docs/API.md, "Workspace policy"): read by members, changed by ADMINs, audited with `{ from, to }`. */
export class WorkspacePolicyService {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** The policy, read in `manager`'s transaction when given; a workspace that never set one demands nothing. */
  async get(workspaceId: string, manager: EntityManager = this.db.manager): Promise<WorkspacePolicyValue> {
    const row = await manager.getRepository(WorkspacePolicyEntity).findOneBy({ workspaceId });
    return row ? policyOf(row) : { ...NO_POLICY };
  }

  async update(actor: MemberPrincipal, change: WorkspacePolicyChange): Promise<WorkspacePolicyValue> {
    const errors = new FieldErrors();
    const max = change.maxKeyLifetimeDays;
    if (max !== undefined && max !== null)
      errors.check(
        Number.isInteger(max) && max >= 1 && max <= MAX_KEY_LIFETIME_DAYS,
        "input.maxKeyLifetimeDays",
        `must be an integer from 1 to ${MAX_KEY_LIFETIME_DAYS} days, or null to remove it`,
      );
    for (const name of ["requireExpiry", "requireAllowedCidrs", "requireTrustedOperations"] as const)
      errors.check(change[name] !== null, `input.${name}`, "cannot be null: give true or false, or leave it out to keep it");
    errors.throwIfAny();
    return this.db.transaction(async (manager) => {
      const workspaceId = actor.workspaceId;
      await manager.createQueryBuilder().insert().into(WorkspacePolicyEntity).values({ workspaceId }).orIgnore().execute();
      const row = await manager
        .getRepository(WorkspacePolicyEntity)
        .createQueryBuilder("p")
        .where("p.workspace_id = :workspaceId", { workspaceId })
        .setLock("pessimistic_write")
        .getOneOrFail();
      const from = policyOf(row);
      const to: WorkspacePolicyValue = {
        maxKeyLifetimeDays: max === undefined ? from.maxKeyLifetimeDays : max,
        requireExpiry: change.requireExpiry ?? from.requireExpiry,
        requireAllowedCidrs: change.requireAllowedCidrs ?? from.requireAllowedCidrs,
        requireTrustedOperations: change.requireTrustedOperations ?? from.requireTrustedOperations,
      };
      if (JSON.stringify(from) === JSON.stringify(to)) return to;
      await manager.update(WorkspacePolicyEntity, { workspaceId }, to);
      await this.audit.record(manager, {
        workspaceId,
        action: AuditAction.WORKSPACE_POLICY_UPDATED,
        actorId: actor.memberId,
        targetId: null,
        details: { from, to },
      });
      return to;
    });
  }
}

function policyOf(row: WorkspacePolicyEntity): WorkspacePolicyValue {
  return {
    maxKeyLifetimeDays: row.maxKeyLifetimeDays,
    requireExpiry: row.requireExpiry,
    requireAllowedCidrs: row.requireAllowedCidrs,
    requireTrustedOperations: row.requireTrustedOperations,
  };
}
