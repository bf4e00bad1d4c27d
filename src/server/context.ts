import DataLoader from "dataloader";
import type { Services } from "../services";
import { createResourceLoaders } from "../resources/resource-loaders";
import type { GraphQLContext, Loaders } from "../resolvers/common/context";
import type { RequestState } from "./request-pipeline";

/** The context the server builds: what resolvers receive, and the request the pipeline tracks (its analysis, its outcome). */
export interface RequestContext extends GraphQLContext {
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
export function buildContext(request: RequestState, services: Services): RequestContext {
  const principal = request.principal;
  return { principal, services, meta: request.meta, request, loaders: createLoaders(services, principal?.workspaceId ?? null) };
}
