import "reflect-metadata";
import { GraphQLSchema } from "graphql";
import { buildSchema, NonEmptyArray } from "type-graphql";
import { withAccessDirectives } from "../auth/access-directives";
import "../resolvers/common/enums";
import { DateTimeScalar } from "../resolvers/common/scalars";
import { AuditResolver } from "../resolvers/audit/audit.resolver";
import { ApiKeyResolver } from "../resolvers/keys/api-key.resolver";
import { MemberResolver } from "../resolvers/members/member.resolver";
import { ViewerResolver } from "../resolvers/members/viewer.resolver";

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const resolvers: NonEmptyArray<Function> = [ViewerResolver, MemberResolver, ApiKeyResolver, AuditResolver];

/**
 * The executable schema, with the access directives declared so that their applications are
 * valid SDL and print with the schema.
 */
export async function buildAppSchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    validate: false,
    emitSchemaFile: false,
  });
  return withAccessDirectives(schema);
}
