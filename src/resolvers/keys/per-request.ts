import DataLoader from "dataloader";
import type { TrustedOperationEntity } from "../../entities/trusted-operation.entity";
import type { WorkspacePolicyValue } from "../../keys/workspace-policy";
import type { GraphQLContext } from "../common/context";

/** What a page of keys reads once per request: their trusted operations in one statement, the workspace policy once. */
interface KeyReads {
  trustedOperations: DataLoader<{ workspaceId: string; id: string }, TrustedOperationEntity | null, string>;
  policy(workspaceId: string): Promise<WorkspacePolicyValue>;
}

const reads = new WeakMap<GraphQLContext, KeyReads>();

export function perRequest(ctx: GraphQLContext): KeyReads {
  let found = reads.get(ctx);
  if (!found) {
    const policies = new Map<string, Promise<WorkspacePolicyValue>>();
    found = {
      trustedOperations: new DataLoader(
        async (keys) => {
          const workspaceId = keys[0].workspaceId; // a request reads one workspace's keys
          const rows = await ctx.services.trustedOperations.byIds(
            workspaceId,
            keys.map((k) => k.id),
          );
          return keys.map((k) => (k.workspaceId === workspaceId ? (rows.get(k.id) ?? null) : null));
        },
        { cacheKeyFn: (k) => `${k.workspaceId} ${k.id}` },
      ),
      policy(workspaceId) {
        let policy = policies.get(workspaceId);
        if (!policy) {
          policy = ctx.services.policy.get(workspaceId);
          policies.set(workspaceId, policy);
        }
        return policy;
      },
    };
    reads.set(ctx, found);
  }
  return found;
}
