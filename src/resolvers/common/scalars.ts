import { GraphQLScalarType } from "graphql";
import { DateTimeResolver, JSONResolver } from "graphql-scalars";

/** What `Date.prototype.toISOString` writes, and what the read planner has PostgreSQL write. */
const CANONICAL = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/**
 * ISO-8601 with a time zone, as graphql-scalars defines it. A value already in the form the scalar
 * writes (the read planner's dates) is passed as it is instead of being parsed into a Date and
 * written back to the same text.
 */
export const DateTimeScalar = new GraphQLScalarType({
  ...DateTimeResolver.toConfig(),
  serialize: (value) => (typeof value === "string" && CANONICAL.test(value) ? value : DateTimeResolver.serialize(value)),
});
export const JSONScalar = JSONResolver;
