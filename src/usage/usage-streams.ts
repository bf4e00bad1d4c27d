import { Repeater } from "@graphql-yoga/subscription";
import { notFound } from "../common/errors";
import { isUuid } from "../common/pagination";
import { FieldErrors } from "../common/validation";
import type { MemberPrincipal } from "../auth/principal";
import type { ApiKeyService } from "../keys/api-key.service";
import { coalesceKeyChanges } from "./coalesce";
import type { UsageBus } from "./usage-bus";
import { UsageEventMessage, UsageOutcome } from "./usage-event";

/** What the streams read: the key look-up that checks a named key, and the bus they listen to. */
export interface StreamSources {
  apiKeys: Pick<ApiKeyService, "get">;
  usage: { bus: UsageBus };
}

/** At most one `apiKeyUsage` message per key per this many milliseconds (docs/API.md, "Streams"). */
export const USAGE_UPDATE_GAP_MS = 1000;

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
 * `apiKeyUsage`: ids of keys whose counters changed, only of the member's workspace (the topic is
 * routed by workspace), at most one per key per second; for a named key, that key first.
 */
export async function apiKeyUsageStream(
  services: StreamSources,
  member: MemberPrincipal,
  apiKeyId: string | null | undefined,
): Promise<AsyncIterable<string>> {
  const errors = new FieldErrors();
  const keyId = await checkedKey(services, member, apiKeyId, errors);
  const changes = services.usage.bus.pubSub.subscribe("grantql.usage.changed", member.workspaceId);
  return coalesceKeyChanges(changes, USAGE_UPDATE_GAP_MS, (id) => keyId === undefined || id === keyId, keyId);
}

/** `usageEvents`: every committed event of the member's workspace, narrowed by key and outcome. */
export async function usageEventsStream(
  services: StreamSources,
  member: MemberPrincipal,
  apiKeyId: string | null | undefined,
  outcomes: UsageOutcome[] | null | undefined,
): Promise<AsyncIterable<UsageEventMessage>> {
  const errors = new FieldErrors();
  errors.check(!outcomes || outcomes.length > 0, "outcomes", "must name at least one outcome, or be left out for all");
  const keyId = await checkedKey(services, member, apiKeyId, errors);
  errors.throwIfAny();
  const wanted = outcomes ? new Set(outcomes) : null;
  const batches = services.usage.bus.pubSub.subscribe("grantql.usage.events", member.workspaceId);
  return new Repeater<UsageEventMessage>(async (push, stop) => {
    const consume = (async () => {
      for await (const batch of batches) {
        for (const event of batch?.events ?? []) {
          if ((keyId === undefined || event.apiKeyId === keyId) && (!wanted || wanted.has(event.outcome))) await push(event);
        }
      }
    })();
    await stop;
    await batches.return();
    await consume.catch(() => undefined);
  });
}
