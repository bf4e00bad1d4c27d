import { useId } from "react";
import { EmptyState, ErrorState, formatCount, formatDate, Loading, LoadMore } from "./ui";
import type { Pages } from "./use-pages";

export const KEY_FIELDS = "id name prefix status expiresAt lastUsedAt revokedAt usage { last24h last7d last30d }";

export interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  status: "ACTIVE" | "REVOKED" | "EXPIRED";
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  usage: { last24h: number; last7d: number; last30d: number };
}

export interface KeyActions {
  onRevoke(key: KeyRow): void;
  /** Absent for SECURITY members, who may revoke but not rotate. */
  onRotate?(key: KeyRow): void;
}

/** One section of the keys page: a heading and a table, one row per key. */
export function KeyTable({
  title,
  pages,
  rows,
  empty,
  actions,
}: {
  title: string;
  pages: Pages<KeyRow>;
  rows: KeyRow[];
  empty: string;
  actions?: KeyActions;
}) {
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="card">
      <h2 id={headingId}>
        {title}
        {pages.totalCount !== null && <span className="count"> ({pages.totalCount})</span>}
      </h2>
      {pages.loading ? (
        <Loading what={`${title.toLowerCase()} keys`} />
      ) : pages.error ? (
        <ErrorState message={pages.error} onRetry={pages.reload} />
      ) : rows.length === 0 ? (
        <EmptyState title={empty} />
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Status</th>
                <th scope="col">Expiry</th>
                <th scope="col">Last used</th>
                <th scope="col" className="num">
                  Last 24 hours
                </th>
                <th scope="col" className="num">
                  Last 7 days
                </th>
                <th scope="col" className="num">
                  Last 30 days
                </th>
                {actions && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {rows.map((key) => (
                <tr key={key.id}>
                  <th scope="row">
                    <a href={`#/keys/${key.id}`}>{key.name}</a>
                  </th>
                  <td>
                    <code>gqk_{key.prefix}…</code>
                  </td>
                  <td>
                    <span className={`badge badge-${key.status.toLowerCase()}`}>{key.status}</span>
                  </td>
                  <td>{formatDate(key.expiresAt, "Never")}</td>
                  <td>{formatDate(key.lastUsedAt, "Never")}</td>
                  <td className="num">{formatCount(key.usage.last24h)}</td>
                  <td className="num">{formatCount(key.usage.last7d)}</td>
                  <td className="num">{formatCount(key.usage.last30d)}</td>
                  {actions && (
                    <td className="actions">
                      <button type="button" onClick={() => actions.onRevoke(key)} aria-describedby={undefined}>
                        Revoke
                      </button>
                      {actions.onRotate && (
                        <button type="button" onClick={() => actions.onRotate!(key)}>
                          Rotate
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pages.hasMore && !pages.loading && <LoadMore onClick={pages.loadMore} busy={pages.loadingMore} />}
    </section>
  );
}
