import { notFound } from "../common/errors";
import { isUuid } from "../common/pagination";
import { FieldErrors } from "../common/validation";
import type { MemberPrincipal } from "../auth/principal";
import type { ApiKeyService } from "../keys/api-key.service";
import type { KeyUsageFeed, UsageUpdateRoot } from "./key-usage-feed";
import type { Bus } from "../bus/event-bus";
import type { SubscriberQueue } from "../bus/subscriber-queue";
import type { UsageTopics } from "./bus-messages";
import { UsageEventMessage, UsageOutcome } from "./usage-event";

/** What the streams read: the key look-up that checks a named key, the bus and the usage feed. */
export interface StreamSources {
  apiKeys: Pick<ApiKeyService, "get">;
  bus: Bus<UsageTopics>;
  usageFeed: Pick<KeyUsageFeed, "subscribe">;
}

/**
 * The key a stream is narrowed to, checked before anything is sent: malformed is bad input, and a
 * key of another workspace reads exactly like an unknown one (NOT_FOUND).
 */
export async function checkedKey(
  services: StreamSources,
  member: MemberPrincipal,
  apiKeyId: string | null | undefined,
  errors: FieldErrors,
): Promise<string | undefined> {
  if (apiKeyId == null) return undefined;
  errors.check(isUuid(apiKeyId), "apiKeyId", "must be the id of an API key");
  errors.throwIfAny();
  if (!(await services.apiKeys.get(member.workspaceId, apiKeyId))) throw notFound("API key", "apiKeyId");
  return apiKeyId;
}

/**
 * `apiKeyUsage`: keys whose counters changed, with their counters, only of the member's workspace
 * (the topic is routed by workspace), at most one per key per second; for a named key, that key first.
 */
export async function apiKeyUsageStream(
  services: StreamSources,
  member: MemberPrincipal,
  apiKeyId: string | null | undefined,
): Promise<SubscriberQueue<UsageUpdateRoot>> {
  const errors = new FieldErrors();
  const keyId = await checkedKey(services, member, apiKeyId, errors);
  return services.usageFeed.subscribe(member.workspaceId, keyId);
}

/** `usageEvents`: every committed event of the member's workspace, narrowed by key and outcome, in the subscriber's own queue. */
export async function usageEventsStream(
  services: StreamSources,
  member: MemberPrincipal,
  apiKeyId: string | null | undefined,
  outcomes: UsageOutcome[] | null | undefined,
): Promise<SubscriberQueue<UsageEventMessage>> {
  const errors = new FieldErrors();
  errors.check(!outcomes || outcomes.length > 0, "outcomes", "must name at least one outcome, or be left out for all");
  const keyId = await checkedKey(services, member, apiKeyId, errors);
  errors.throwIfAny();
  const wanted = outcomes ? new Set(outcomes) : null;
  return services.bus.stream("grantql.usage.events", member.workspaceId, "usageEvents", ({ events }, push) => {
    for (const event of events) {
      if ((keyId === undefined || event.apiKeyId === keyId) && (!wanted || wanted.has(event.outcome))) push(event);
    }
  });
}
