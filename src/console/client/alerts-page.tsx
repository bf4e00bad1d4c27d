import { useEffect, useState } from "react";
import { subscribe } from "./api";
import { useSession } from "./session";
import { EmptyState, ErrorState, formatDate, humanize, Loading, LoadMore } from "./ui";
import { Connection, usePages } from "./use-pages";

interface Alert {
  id: string;
  kind: string;
  apiKey: { id: string; name: string } | null;
  occurredAt: string;
  message: string;
  details: unknown;
}

const KINDS = ["KEY_EXPIRING", "KEY_EXPIRED", "KEY_LEAKED", "USAGE_SPIKE", "NEW_CLIENT_ADDRESS", "FORBIDDEN_BURST"];
const FIELDS = "id kind apiKey { id name } occurredAt message details";
const ALERTS = `query ConsoleAlerts($kinds: [SecurityAlertKind!], $after: String) {
  securityAlerts(kinds: $kinds, first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { ${FIELDS} } }
}`;
const LIVE = `subscription ConsoleAlertsLive($kinds: [SecurityAlertKind!]) { securityAlerts(kinds: $kinds) { ${FIELDS} } }`;

/** Stored security alerts, newest first, with new ones added live as they are raised. */
export function AlertsPage() {
  const { call, live, liveGeneration } = useSession();
  const [kind, setKind] = useState("");
  const kinds = kind ? [kind] : null;
  const pages = usePages(
    (after) => call<{ securityAlerts: Connection<Alert> }>(ALERTS, { kinds, after }).then((d) => d.securityAlerts),
    [kind],
  );
  // Both stable (a useCallback with no deps, a state setter): depending on them never re-runs an effect.
  const { reload, setItems } = pages;
  const [liveError, setLiveError] = useState<string | null>(null);
  // Alerts raised while the socket was down are stored: re-read them after a reconnect.
  useEffect(() => {
    if (liveGeneration >= 2) reload();
  }, [liveGeneration, reload]);

  useEffect(
    () =>
      subscribe<{ securityAlerts: Alert }>(
        live,
        LIVE,
        { kinds: kind ? [kind] : null },
        ({ securityAlerts: alert }) => setItems((items) => (items.some((a) => a.id === alert.id) ? items : [alert, ...items])),
        (failure) => setLiveError(failure.message),
      ),
    [live, kind, setItems],
  );

  return (
    <>
      <div className="page-head">
        <h1>Alerts</h1>
        <label htmlFor="alert-kind">Kind</label>
        <select id="alert-kind" value={kind} onChange={(e) => setKind(e.target.value)}>
          <option value="">All kinds</option>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {humanize(k)}
            </option>
          ))}
        </select>
      </div>
      <p className="lede">
        Expiring and leaked keys, usage spikes, new client addresses and bursts of refused requests. New alerts appear here as they are
        raised.
      </p>
      {liveError && <p className="field-error">Live alerts are unavailable: {liveError}</p>}
      <section className="card" aria-label="Security alerts">
        {pages.loading ? (
          <Loading what="alerts" />
        ) : pages.error ? (
          <ErrorState message={pages.error} onRetry={pages.reload} />
        ) : pages.items.length === 0 ? (
          <EmptyState title="No alerts.">Nothing needs your attention. New alerts appear here as they are raised.</EmptyState>
        ) : (
          <ul className="alerts">
            {pages.items.map((alert) => (
              <li key={alert.id} className={`alert alert-${alert.kind.toLowerCase()}`}>
                <span className="badge">{humanize(alert.kind)}</span> <strong>{alert.message}</strong>
                <span className="hint">
                  {" "}
                  {formatDate(alert.occurredAt)}
                  {alert.apiKey && (
                    <>
                      {" · "}
                      <a href={`#/keys/${alert.apiKey.id}`}>{alert.apiKey.name}</a>
                    </>
                  )}
                </span>
              </li>
            ))}
          </ul>
        )}
        {pages.hasMore && <LoadMore onClick={pages.loadMore} busy={pages.loadingMore} />}
      </section>
    </>
  );
}
