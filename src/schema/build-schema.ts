import "reflect-metadata";
import { GraphQLSchema } from "graphql";
import { buildSchema, NonEmptyArray } from "type-graphql";
import { createPubSub } from "@graphql-yoga/subscription";
import { withAccessDirectives } from "../auth/access-directives";
import "../resolvers/common/enums";
import { DateTimeScalar } from "../resolvers/common/scalars";
import { AuditResolver } from "../resolvers/audit/audit.resolver";
import { SecurityAlertResolver } from "../resolvers/alerts/security-alert.resolver";
import { ApiKeyResolver } from "../resolvers/keys/api-key.resolver";
import { TrustedOperationResolver } from "../resolvers/keys/trusted-operation.resolver";
import { MemberResolver } from "../resolvers/members/member.resolver";
import { ViewerResolver } from "../resolvers/members/viewer.resolver";
import { UsageSeriesResolver } from "../resolvers/usage/usage-series.resolver";
import { UsageStreamResolver, UsageUpdateResolver } from "../resolvers/usage/usage-stream.resolver";
import { UsageEventLogResolver } from "../resolvers/usage/usage-event-log.resolver";
import { resourceResolvers } from "../resolvers/resources";
import { servePlannedValues } from "../resources/planned-source";
import { PLANNED_TYPE_NAMES } from "../resources/read-catalog";

// biome-ignore lint/complexity/noBannedTypes: type-graphql's buildSchema takes resolver classes as NonEmptyArray<Function>
export const resolvers: NonEmptyArray<Function> = [
  ViewerResolver,
  MemberResolver,
  ApiKeyResolver,
  TrustedOperationResolver,
  AuditResolver,
  ...resourceResolvers,
  UsageSeriesResolver,
  UsageStreamResolver,
  UsageUpdateResolver,
  UsageEventLogResolver,
  SecurityAlertResolver,
];

/**
 * The executable schema, with the access directives declared so that their applications are
 * valid SDL and print with the schema, and the resource types able to serve the read planner's values.
 */
export async function buildAppSchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    validate: false,
    emitSchemaFile: false,
    // type-graphql insists on one, but no subscription uses it: each names its own `subscribe`,
    // which reads the process's bus (in-process or Redis) from the context, so one schema can
    // serve several service sets (as tests do with two instances in one process).
    pubSub: createPubSub(),
  });
  return servePlannedValues(withAccessDirectives(schema), PLANNED_TYPE_NAMES);
}
