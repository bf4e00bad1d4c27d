import DataLoader from "dataloader";
import { mapLoader, workspaceLoaders } from "../common/loaders";
import type { DocumentCheck } from "../keys/trusted-operations.service";
import type { Services } from "../services";
import type { GraphQLContext, Loaders } from "../resolvers/common/context";
import type { RequestState } from "./request-pipeline";

/** The context the server builds: what resolvers receive, and the request the pipeline tracks (its analysis, its outcome). */
export interface RequestContext extends GraphQLContext {
  request: RequestState;
}

function createLoaders(services: Services, workspaceId: string | null): Loaders {
  const { byId } = workspaceLoaders(workspaceId);
  return {
    member: byId((ws, ids) => services.members.membersByIds(ws, ids)),
    apiKey: byId((ws, ids) => services.apiKeys.byIds(ws, ids)),
    spend: byId((ws, ids) => services.spends.byIds(ws, ids)),
    grants: new DataLoader(async (keyIds) => {
      const rows = await services.apiKeys.grantsOf(keyIds);
      return keyIds.map((id) => rows.filter((g) => g.apiKeyId === id));
    }),
    usage: mapLoader(
      (keyIds) => services.usage.countsFor(keyIds),
      () => ({ last24h: 0, last7d: 0, last30d: 0 }),
    ),
    lastUsedAt: mapLoader<Date | null>(
      (keyIds) => services.usage.lastUsedFor(keyIds),
      () => null,
    ),
  };
}

/**
 * The one context of both transports, for a request the pipeline has admitted. Its loaders are
 * built when a resolver first asks for them: most requests (every resource read) never do. The
 * getter is on the prototype, so Apollo's copy of the context (`Object.assign` onto an object of
 * the same prototype) does not build them either.
 */
class Context implements RequestContext {
  private built?: Loaders;
  live?: RequestContext["live"];

  constructor(
    readonly principal: RequestContext["principal"],
    readonly services: Services,
    readonly meta: RequestContext["meta"],
    readonly request: RequestState,
    readonly checkDocument?: DocumentCheck,
  ) {}

  get loaders(): Loaders {
    this.built ??= createLoaders(this.services, this.principal?.workspaceId ?? null);
    return this.built;
  }
}

export function buildContext(request: RequestState, services: Services, checkDocument?: DocumentCheck): RequestContext {
  return new Context(request.principal, services, request.meta, request, checkDocument);
}
