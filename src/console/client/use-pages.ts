import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "./api";

export interface Connection<T> {
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount?: number;
}

export interface Pages<T> {
  items: T[];
  loading: boolean;
  error: string | null;
  hasMore: boolean;
  loadingMore: boolean;
  totalCount: number | null;
  loadMore(): void;
  reload(): void;
  /** Replaces the items in place (live updates, merges). */
  setItems(update: (items: T[]) => T[]): void;
}

/**
 * A keyset-paginated list: the first page on mount (and whenever `deps` change), the next one on
 * `Load more`. `fetchPage(after)` returns the connection.
 */
export function usePages<T>(fetchPage: (after: string | null) => Promise<Connection<T>>, deps: unknown[]): Pages<T> {
  const [items, setItems] = useState<T[]>([]);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [totalCount, setTotalCount] = useState<number | null>(null);
  const [version, setVersion] = useState(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  const shown = useRef(0);
  shown.current = items.length;

  // biome-ignore lint/correctness/useExhaustiveDependencies: deps are the caller's keys and version is the reload() trigger; the fetch is read through fetchRef, so depending on it would refetch every render.
  useEffect(() => {
    let current = true;
    // A reload keeps the rows on screen until the fresh page replaces them.
    if (shown.current === 0) setLoading(true);
    setError(null);
    fetchRef.current(null).then(
      (page) => {
        if (!current) return;
        setItems(page.nodes);
        setCursor(page.pageInfo.endCursor);
        setHasMore(page.pageInfo.hasNextPage);
        setTotalCount(page.totalCount ?? null);
        setLoading(false);
      },
      (failure: ApiError) => {
        if (!current) return;
        setError(failure.message);
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [...deps, version]);

  const loadMore = useCallback(() => {
    setLoadingMore(true);
    fetchRef.current(cursor).then(
      (page) => {
        setItems((before) => [...before, ...page.nodes]);
        setCursor(page.pageInfo.endCursor);
        setHasMore(page.pageInfo.hasNextPage);
        setLoadingMore(false);
      },
      (failure: ApiError) => {
        setError(failure.message);
        setLoadingMore(false);
      },
    );
  }, [cursor]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { items, loading, error, hasMore, loadingMore, totalCount, loadMore, reload, setItems };
}
