import { ClassType, Field, Int, ObjectType } from "type-graphql";

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

/**
 * `XConnection { edges { cursor node } nodes pageInfo totalCount }` and its `XEdge`, for any node
 * type: one definition serves keys, audit entries and every resource.
 */
export function Connection<T extends object>(node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field()
    cursor: string;

    @Field(() => node)
    node: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionType {
    @Field(() => [Edge])
    edges: Edge[];

    @Field(() => [node])
    nodes: T[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;

    @Field(() => Int, { description: "How many records match, across all pages." })
    totalCount: number;
  }
  return ConnectionType;
}
