import { Directive, Field, Float, ID, Int, ObjectType } from "type-graphql";
import { permission } from "../../auth/access-directives";
import { LeadStatus } from "./resource-enums";

@ObjectType({ description: "Calls on one UTC day." })
export class DailyCount {
  @Field({ description: "The day's start, 00:00 UTC." })
  day: Date;

  @Field(() => Int)
  count: number;
}

@ObjectType()
export class LeadStatusCount {
  @Field(() => LeadStatus)
  status: LeadStatus;

  @Field(() => Int)
  count: number;
}

@ObjectType()
export class AgentStats {
  @Field(() => ID)
  agentId: string;

  @Field(() => Int)
  calls: number;

  @Field(() => Float, { nullable: true, description: "Over the agent's calls with both startedAt and endedAt." })
  averageDurationSeconds: number | null;
}

@ObjectType({
  description:
    "Figures over [from, to]. A call counts at its startedAt (its createdAt when it has none); a lead at its createdAt; days are UTC.",
})
@Directive(permission("ANALYTICS", "READ"))
export class Analytics {
  @Field(() => Int)
  totalCalls: number;

  @Field(() => Int)
  completedCalls: number;

  @Field(() => Float, { nullable: true, description: "Mean durationSeconds of the calls with both startedAt and endedAt." })
  averageCallDurationSeconds: number | null;

  @Field(() => [DailyCount], { description: "Every UTC day the range touches, days without calls as 0." })
  callsPerDay: DailyCount[];

  @Field(() => [LeadStatusCount], { description: "Every status, in LeadStatus order." })
  leadsByStatus: LeadStatusCount[];

  @Field(() => Float, { nullable: true, description: "Converted leads / all leads in the range; null without leads." })
  conversionRate: number | null;

  @Field(() => [AgentStats])
  agentStats: AgentStats[];
}
