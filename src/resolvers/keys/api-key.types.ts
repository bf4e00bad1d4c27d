import { Field, ID, InputType, ObjectType } from "type-graphql";
import { Resource } from "../../auth/resource";
import { ApiKeyStatus } from "../../keys/api-key-rules";
import { Connection } from "../common/connection";
import { RateLimit, RateLimitInput } from "./rate-limit.types";
import { CostBudget, CostBudgetInput, Credits, CreditsInput } from "./spend.types";
import { UsageCounts } from "../usage/usage.types";
import { TrustedOperation } from "./trusted-operation.types";

@ObjectType({ description: "What a key may do with one resource. Write never implies read." })
export class Permission {
  @Field(() => Resource)
  resource: Resource;

  @Field()
  read: boolean;

  @Field()
  write: boolean;
}

/** The fields are resolved from the stored key by `ApiKeyResolver`; the secret is never one of them. */
@ObjectType()
export class ApiKey {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field({ description: 'The first 8 characters of the secret after "gqk_", for recognising a key.' })
  prefix: string;

  @Field(() => ApiKeyStatus)
  status: ApiKeyStatus;

  @Field(() => [Permission], { description: "One entry per resource with read or write granted, in Resource order." })
  permissions: Permission[];

  @Field(() => Date, { nullable: true })
  expiresAt: Date | null;

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  revokedAt: Date | null;

  @Field(() => String, { nullable: true })
  revocationReason: string | null;

  @Field(() => Date, { nullable: true, description: "When the key was last presented (exact to the second)." })
  lastUsedAt: Date | null;

  @Field(() => UsageCounts)
  usage: UsageCounts;

  @Field(() => RateLimit, { nullable: true, description: "Null when the key has no rate limit." })
  rateLimit: RateLimit | null;

  @Field(() => [String], {
    nullable: true,
    description: "Addresses and CIDR blocks the key may be used from, as written (IPv6 canonical); null allows any address.",
  })
  allowedCidrs: string[] | null;

  @Field(() => String, { nullable: true, description: "The client address of the key's last request that counts in usage." })
  lastUsedFrom: string | null;

  @Field(() => CostBudget, { nullable: true, description: "Null when the key has no cost budget." })
  costBudget: CostBudget | null;

  @Field(() => Credits, { nullable: true, description: "Null when the key has no credits." })
  credits: Credits | null;

  @Field(() => ID, { nullable: true, description: "The key this one replaced through rotateApiKey." })
  rotatedFromId: string | null;

  @Field(() => ID, { nullable: true, description: "The key that replaced this one through rotateApiKey." })
  rotatedToId: string | null;

  @Field(() => [TrustedOperation], {
    nullable: true,
    description: "The only operations the key may run, in the order given; null: any operation.",
  })
  trustedOperations: TrustedOperation[] | null;

  @Field(() => [String], { description: "The names of the workspace policies this ACTIVE key breaks, sorted; [] for other keys." })
  policyViolations: string[];
}

@ObjectType({ description: "A new key. `secret` is returned here once and never again; only its SHA-256 is stored." })
export class CreatedApiKey {
  @Field(() => ApiKey)
  apiKey: ApiKey;

  @Field()
  secret: string;
}

@ObjectType()
export class ApiKeyConnection extends Connection(ApiKey, "ApiKey") {}

@InputType()
export class PermissionInput {
  @Field(() => Resource)
  resource: Resource;

  @Field({ defaultValue: false })
  read: boolean;

  @Field({ defaultValue: false })
  write: boolean;
}

const ALLOWED_CIDRS_DESCRIPTION =
  "Optional: at most 50 IPv4/IPv6 addresses or CIDR blocks (203.0.113.0/24, 2001:db8::/32); absent or null allows any address.";

const TRUSTED_OPERATION_IDS_DESCRIPTION =
  "Optional: 1–500 ids of the workspace's trusted operations, the only ones the key may run; null allows any operation.";

@InputType()
export class CreateApiKeyInput {
  @Field({ description: "How the key is used, e.g. Production Backend. 1–100 characters after trimming." })
  name: string;

  @Field(() => Date, { nullable: true, description: "Optional; later than now. The key stops working at that instant." })
  expiresAt?: Date | null;

  @Field(() => [PermissionInput], { description: "Each resource at most once; at least one grant; analytics is read-only." })
  permissions: PermissionInput[];

  @Field(() => RateLimitInput, { nullable: true, description: "Optional; without it the key has no rate limit." })
  rateLimit?: RateLimitInput | null;

  @Field(() => [String], { nullable: true, description: ALLOWED_CIDRS_DESCRIPTION })
  allowedCidrs?: string[] | null;

  @Field(() => CostBudgetInput, { nullable: true, description: "Optional; without it the key has no cost budget." })
  costBudget?: CostBudgetInput | null;

  @Field(() => CreditsInput, { nullable: true, description: "Optional; without it the key has no credits." })
  credits?: CreditsInput | null;
  @Field(() => [ID], { nullable: true, description: TRUSTED_OPERATION_IDS_DESCRIPTION })
  trustedOperationIds?: string[] | null;
}

@InputType({ description: "Only the fields given change; `expiresAt: null` removes the expiry; `permissions` replaces all grants." })
export class UpdateApiKeyInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => Date, { nullable: true })
  expiresAt?: Date | null;

  @Field(() => [PermissionInput], { nullable: true })
  permissions?: PermissionInput[] | null;

  @Field(() => RateLimitInput, { nullable: true, description: "A new limit; `null` removes the limit; absent leaves it." })
  rateLimit?: RateLimitInput | null;

  @Field(() => [String], { nullable: true, description: "A new allowlist; `null` removes it (any address); absent leaves it." })
  allowedCidrs?: string[] | null;

  @Field(() => CostBudgetInput, {
    nullable: true,
    description: "A new budget (the bucket keeps its level, capped); `null` removes it; absent leaves it.",
  })
  costBudget?: CostBudgetInput | null;

  @Field(() => CreditsInput, {
    nullable: true,
    description: "Replaces balance and refill; `null` removes the credits; absent leaves them.",
  })
  credits?: CreditsInput | null;
  @Field(() => [ID], { nullable: true, description: `${TRUSTED_OPERATION_IDS_DESCRIPTION} On update, absent leaves the list.` })
  trustedOperationIds?: string[] | null;
}

export const GRACE_ARGUMENT_DESCRIPTION = "Seconds the old key keeps working (0–604800). 0 revokes it at once.";
