import type DataLoader from "dataloader";
import type { ApiKeySpendEntity } from "../../entities/api-key-spend.entity";
import { MemberPrincipal, Principal } from "../../auth/principal";
import { forbidden, unauthenticated } from "../../common/errors";
import type { ApiKeyGrantEntity } from "../../entities/api-key-grant.entity";
import type { ApiKeyEntity } from "../../entities/api-key.entity";
import type { DocumentCheck } from "../../keys/trusted-operations.service";
import type { MemberEntity } from "../../entities/member.entity";
import type { Services } from "../../services";
import type { UsageCountsValue } from "../../usage/usage.service";

/** Per-request batching: each loader turns N look-ups of one kind into one statement. */
export interface Loaders {
  member: DataLoader<string, MemberEntity | null>;
  apiKey: DataLoader<string, ApiKeyEntity | null>;
  grants: DataLoader<string, ApiKeyGrantEntity[]>;
  usage: DataLoader<string, UsageCountsValue>;
  lastUsedAt: DataLoader<string, Date | null>;
  /** Keys' budgets and credits, by the balance's id (`api_key.spend_id`). */
  spend: DataLoader<string, ApiKeySpendEntity | null>;
}

/** The request's id and client address, read once by the transport. */
export interface RequestMeta {
  requestId: string;
  ip?: string;
}

/**
 * What every resolver receives, the same for HTTP and WebSocket. The transport builds it (in
 * `src/server/context.ts`) and adds what only the request pipeline reads; resolvers see this much.
 */
export interface GraphQLContext {
  principal: Principal | null;
  services: Services;
  loaders: Loaders;
  meta: RequestMeta;
  /** How the server judges a document before it is trusted: the limits and rules requests meet. */
  checkDocument?: DocumentCheck;
  /** A subscription's own queue, once its stream opened: the transport tells the client what it dropped. */
  live?: LiveQueue;
}

/** What the transport reads of a subscriber's queue: how many payloads were lost just before the one it is sending. */
export interface LiveQueue {
  droppedBeforeLast(): number;
}

/** A subscription's `subscribe`: opens the stream and keeps its queue on the context for the transport. */
export async function liveStream<Q extends LiveQueue>(context: GraphQLContext, stream: Q | Promise<Q>): Promise<Q> {
  const queue = await stream;
  context.live = queue;
  return queue;
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
