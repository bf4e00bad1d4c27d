import { registerEnumType } from "type-graphql";
import { AgentStatus } from "../../entities/agent.entity";
import { CallDirection, CallStatus } from "../../entities/call.entity";
import { IntegrationProvider } from "../../entities/integration.entity";
import { LeadStatus } from "../../entities/lead.entity";

registerEnumType(AgentStatus, { name: "AgentStatus" });
registerEnumType(LeadStatus, { name: "LeadStatus" });
registerEnumType(CallDirection, { name: "CallDirection" });
registerEnumType(CallStatus, { name: "CallStatus" });
registerEnumType(IntegrationProvider, { name: "IntegrationProvider" });

export { AgentStatus, CallDirection, CallStatus, IntegrationProvider, LeadStatus };
