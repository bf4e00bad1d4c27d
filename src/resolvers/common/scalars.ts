import { DateTimeResolver, JSONResolver } from "graphql-scalars";

/** ISO-8601 with a time zone, as graphql-scalars defines it. */
export const DateTimeScalar = DateTimeResolver;
export const JSONScalar = JSONResolver;
