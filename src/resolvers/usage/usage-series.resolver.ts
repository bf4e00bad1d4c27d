import { Arg, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { FieldErrors } from "../../common/validation";
import { ApiKeyEntity } from "../../entities/api-key.entity";
import { GraphQLContext } from "../common/context";
import { GRANULARITY_MS, MAX_SERIES_POINTS, UsageGranularity } from "../../usage/usage-reader";
import { floorTo } from "../../usage/usage-windows";
import { ApiKey } from "../keys/api-key.types";
import { UsagePoint } from "./usage.types";

/** Points returned when `from` is left out: the last hour, day or month. */
const DEFAULT_POINTS: Record<UsageGranularity, number> = { MINUTE: 60, HOUR: 24, DAY: 30 };

@Resolver(() => ApiKey)
export class UsageSeriesResolver {
  @FieldResolver(() => [UsagePoint], {
    description: `Usage in UTC buckets from \`from\` to \`to\` (both included; default: the last 60 minutes, 24 hours or 30 days up to now). Empty buckets read 0; at most ${MAX_SERIES_POINTS} points.`,
  })
  usageSeries(
    @Root() key: ApiKeyEntity,
    @Ctx() ctx: GraphQLContext,
    @Arg("granularity", () => UsageGranularity) granularity: UsageGranularity,
    @Arg("from", () => Date, { nullable: true }) from: Date | null,
    @Arg("to", () => Date, { nullable: true }) to: Date | null,
  ): Promise<UsagePoint[]> {
    const unit = GRANULARITY_MS[granularity];
    const end = to ?? ctx.services.clock.now();
    const start = from ?? new Date(end.getTime() - (DEFAULT_POINTS[granularity] - 1) * unit);
    const errors = new FieldErrors();
    if (errors.check(start.getTime() <= end.getTime(), "from", "must not be later than to")) {
      const points = (floorTo(end.getTime(), unit) - floorTo(start.getTime(), unit)) / unit + 1;
      errors.check(
        points <= MAX_SERIES_POINTS,
        "from",
        `the range holds ${points} ${granularity} buckets; at most ${MAX_SERIES_POINTS}: narrow it or use a coarser granularity`,
      );
    }
    errors.throwIfAny();
    return ctx.services.usage.series(key.id, granularity, start, end);
  }
}
