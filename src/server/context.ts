import DataLoader from "dataloader";
import { MemberPrincipal, Principal } from "../auth/principal";
import { forbidden, unauthenticated } from "../common/errors";
import { ApiKeyGrantEntity } from "../entities/api-key-grant.entity";
import { ApiKeyEntity } from "../entities/api-key.entity";
import { MemberEntity } from "../entities/member.entity";
import type { Services } from "../services";
import { createResourceLoaders, ResourceLoaders } from "../resources/resource-loaders";
import type { UsageCountsValue } from "../usage/usage.service";
import type { RequestState } from "./request-pipeline";

/** Per-request batching: each loader turns N look-ups of one kind into one statement. */
export interface Loaders {
  member: DataLoader<string, MemberEntity | null>;
  apiKey: DataLoader<string, ApiKeyEntity | null>;
  grants: DataLoader<string, ApiKeyGrantEntity[]>;
  usage: DataLoader<string, UsageCountsValue>;
  lastUsedAt: DataLoader<string, Date | null>;
  resources: ResourceLoaders;
}

export interface RequestMeta {
  requestId: string;
  ip?: string;
}

/** What every resolver receives. Built by `buildContext`, the same for HTTP and WebSocket. */
export interface GraphQLContext {
  principal: Principal | null;
  services: Services;
  loaders: Loaders;
  meta: RequestMeta;
  /** The request this context serves, as the request pipeline tracks it (its analysis, its outcome). */
  request: RequestState;
}

function byId<T extends { id: string }>(ids: readonly string[], rows: T[]): (T | null)[] {
  const map = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => map.get(id) ?? null);
}

function createLoaders(services: Services, workspaceId: string | null): Loaders {
  const scoped = <T extends { id: string }>(load: (ws: string, ids: readonly string[]) => Promise<T[]>) =>
    new DataLoader<string, T | null>(async (ids) => (workspaceId ? byId(ids, await load(workspaceId, ids)) : ids.map(() => null)));
  return {
    resources: createResourceLoaders(services.resources, workspaceId),
    member: scoped((ws, ids) => services.members.membersByIds(ws, ids)),
    apiKey: scoped((ws, ids) => services.apiKeys.byIds(ws, ids)),
    grants: new DataLoader(async (keyIds) => {
      const rows = await services.apiKeys.grantsOf(keyIds);
      return keyIds.map((id) => rows.filter((g) => g.apiKeyId === id));
    }),
    usage: new DataLoader(async (keyIds) => {
      const counts = await services.usage.countsFor(keyIds);
      return keyIds.map((id) => counts.get(id) ?? { last24h: 0, last7d: 0, last30d: 0 });
    }),
    lastUsedAt: new DataLoader(async (keyIds) => {
      const times = await services.usage.lastUsedFor(keyIds);
      return keyIds.map((id) => times.get(id) ?? null);
    }),
  };
}

/** The one context of both transports, for a request the pipeline has admitted. */
export function buildContext(request: RequestState, services: Services): GraphQLContext {
  const principal = request.principal;
  return { principal, services, meta: request.meta, request, loaders: createLoaders(services, principal?.workspaceId ?? null) };
}

/** The caller as a member. The authorization step has already refused anyone else; this guards a misdeclared field. */
export function memberOf(context: GraphQLContext): MemberPrincipal {
  const p = context.principal;
  if (!p) throw unauthenticated("MISSING");
  if (p.kind !== "MEMBER") throw forbidden("API keys cannot run this operation; sign in as a member");
  return p;
}

export function principalOf(context: GraphQLContext): Principal {
  if (!context.principal) throw unauthenticated("MISSING");
  return context.principal;
}
