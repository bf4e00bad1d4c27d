import DataLoader from "dataloader";
import { FieldNode, GraphQLObjectType, GraphQLResolveInfo } from "graphql";
import { Arg, Ctx, Directive, FieldResolver, Float, Info, Int, Query, Resolver, Root } from "type-graphql";
import { permission } from "../../auth/access-directives";
import { AnalyticsRange, readAnalyticsRange } from "../../analytics/analytics-range";
import { AgentStatsValue, CallTotals, conversionRate } from "../../analytics/analytics.service";
import { LeadStatus } from "../../entities/lead.entity";
import { GraphQLContext, principalOf } from "../common/context";
import { Agent } from "./agent.types";
import { AgentStats, Analytics, DailyCount, LeadStatusCount } from "./analytics.types";

/** The root of `analytics`: the range, and the figures computed on demand (only those selected), each once. */
class AnalyticsReport {
  totals?: Promise<CallTotals>;
  leads?: Promise<{ status: LeadStatus; count: number }[]>;
  constructor(
    readonly workspaceId: string,
    readonly range: AnalyticsRange,
  ) {}
}

@Resolver(() => Analytics)
export class AnalyticsResolver {
  @Query(() => Analytics, { description: "Read-only figures over [from, to]: by default the last 30 days; at most 366 days." })
  @Directive(permission("ANALYTICS", "READ"))
  analytics(
    @Ctx() ctx: GraphQLContext,
    @Arg("from", () => Date, { nullable: true }) from: Date | null,
    @Arg("to", () => Date, { nullable: true }) to: Date | null,
  ) {
    return new AnalyticsReport(principalOf(ctx).workspaceId, readAnalyticsRange(from, to, ctx.services.clock.now()));
  }

  @FieldResolver(() => Int)
  async totalCalls(@Root() r: AnalyticsReport, @Ctx() ctx: GraphQLContext) {
    return (await totals(r, ctx)).totalCalls;
  }

  @FieldResolver(() => Int)
  async completedCalls(@Root() r: AnalyticsReport, @Ctx() ctx: GraphQLContext) {
    return (await totals(r, ctx)).completedCalls;
  }

  @FieldResolver(() => Float, { nullable: true })
  async averageCallDurationSeconds(@Root() r: AnalyticsReport, @Ctx() ctx: GraphQLContext) {
    return (await totals(r, ctx)).averageCallDurationSeconds;
  }

  @FieldResolver(() => [DailyCount])
  callsPerDay(@Root() r: AnalyticsReport, @Ctx() ctx: GraphQLContext) {
    return ctx.services.analytics.callsPerDay(r.workspaceId, r.range);
  }

  @FieldResolver(() => [LeadStatusCount])
  leadsByStatus(@Root() r: AnalyticsReport, @Ctx() ctx: GraphQLContext) {
    return leads(r, ctx);
  }

  @FieldResolver(() => Float, { nullable: true })
  async conversionRate(@Root() r: AnalyticsReport, @Ctx() ctx: GraphQLContext) {
    return conversionRate(await leads(r, ctx));
  }

  @FieldResolver(() => [AgentStats])
  agentStats(@Root() r: AnalyticsReport, @Ctx() ctx: GraphQLContext) {
    return ctx.services.analytics.agentStats(r.workspaceId, r.range);
  }
}

@Resolver(() => AgentStats)
export class AgentStatsResolver {
  @FieldResolver(() => Agent, { nullable: true })
  @Directive(permission("AGENTS", "READ"))
  agent(@Root() stats: AgentStatsValue, @Ctx() ctx: GraphQLContext, @Info() info: GraphQLResolveInfo) {
    return agentsOf(ctx, info).load(stats.agentId);
  }
}

/** Per request and selection, the agents of every AgentStats read in one planned statement (graphql-js hands each item the same `fieldNodes`). */
const agentBatches = new WeakMap<GraphQLContext, Map<readonly FieldNode[], DataLoader<string, unknown>>>();

function agentsOf(ctx: GraphQLContext, info: GraphQLResolveInfo): DataLoader<string, unknown> {
  let batches = agentBatches.get(ctx);
  if (!batches) {
    batches = new Map();
    agentBatches.set(ctx, batches);
  }
  let loader = batches.get(info.fieldNodes);
  if (!loader) {
    const workspaceId = principalOf(ctx).workspaceId;
    const path: string[] = [];
    for (let p: GraphQLResolveInfo["path"] | undefined = info.path; p; p = p.prev) if (typeof p.key === "string") path.unshift(p.key);
    const type = info.returnType as GraphQLObjectType;
    loader = new DataLoader((ids) => ctx.services.resources.reads.many(info, workspaceId, type, info.fieldNodes, path.join("."), ids));
    batches.set(info.fieldNodes, loader);
  }
  return loader;
}

function totals(r: AnalyticsReport, ctx: GraphQLContext): Promise<CallTotals> {
  r.totals ??= ctx.services.analytics.callTotals(r.workspaceId, r.range);
  return r.totals;
}

function leads(r: AnalyticsReport, ctx: GraphQLContext) {
  r.leads ??= ctx.services.analytics.leadsByStatus(r.workspaceId, r.range);
  return r.leads;
}
