import DataLoader from "dataloader";

/** A loader that answers each key of a batch from one map, `empty()` where the map has none. */
export function mapLoader<T>(load: (ids: readonly string[]) => Promise<Map<string, T>>, empty: () => T): DataLoader<string, T> {
  return new DataLoader<string, T>(async (ids) => {
    const map = await load(ids);
    return ids.map((id) => map.get(id) ?? empty());
  });
}

type WorkspaceLoad<T> = (workspaceId: string, ids: readonly string[]) => Promise<T>;

/**
 * Per-request loaders scoped to the caller's workspace. Without a workspace (no principal) every
 * key is answered with nothing and no statement runs.
 */
export function workspaceLoaders(workspaceId: string | null) {
  const grouped = <T>(load: WorkspaceLoad<Map<string, T>>, empty: () => T): DataLoader<string, T> =>
    mapLoader(async (ids) => (workspaceId ? load(workspaceId, ids) : new Map<string, T>()), empty);
  /** One record per id, null where it is not one of the workspace's. */
  const byId = <T extends { id: string }>(load: WorkspaceLoad<T[]>): DataLoader<string, T | null> =>
    grouped<T | null>(
      async (ws, ids) => new Map((await load(ws, ids)).map((row) => [row.id, row])),
      () => null,
    );
  return { grouped, byId };
}
