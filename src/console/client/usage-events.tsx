import { useCallback, useEffect, useRef, useState } from "react";
import { subscribe } from "./api";
import { useSession } from "./session";
import { EmptyState, ErrorState, formatMoment, humanize, Loading, LoadMore } from "./ui";
import { Connection } from "./use-pages";
import { mergeEvents, UsageEventRow } from "./event-merge";

const OUTCOMES = ["ALLOWED", "FORBIDDEN", "INVALID", "ERROR", "REJECTED", "RATE_LIMITED"];
const FIELDS = "id occurredAt operationType operationName resources outcome durationMs";
const LOG = `query ConsoleEventLog($id: ID!, $outcomes: [UsageOutcome!], $after: String) {
  usageEventLog(apiKeyId: $id, outcomes: $outcomes, first: 50, after: $after) { pageInfo { hasNextPage endCursor } nodes { ${FIELDS} } }
}`;
const LIVE = `subscription ConsoleEvents($id: ID!, $outcomes: [UsageOutcome!]) { usageEvents(apiKeyId: $id, outcomes: $outcomes) { ${FIELDS} } }`;
/** Pages re-read after a reconnect before giving up on closing the gap (50 events each). */
const CATCH_UP_PAGES = 20;

/**
 * The key's events: the stored log first, then each event as it is recorded; after the socket
 * reconnects, the log is re-read from the newest event back to the first one already shown, so
 * nothing recorded while it was down is lost and nothing appears twice.
 */
/** The `outcomes` filter for the selected outcome ("" = all). */
const outcomesOf = (outcome: string) => (outcome ? [outcome] : null);

export function UsageEvents({ apiKeyId }: { apiKeyId: string }) {
  const { call, live, liveGeneration } = useSession();
  const [outcome, setOutcome] = useState("");
  const [events, setEvents] = useState<UsageEventRow[]>([]);
  const [older, setOlder] = useState<{ cursor: string | null; hasMore: boolean }>({ cursor: null, hasMore: false });
  const [state, setState] = useState<"loading" | "ready" | "more">("loading");
  const [error, setError] = useState<string | null>(null);
  const shown = useRef(new Set<string>());

  const page = useCallback(
    (after: string | null) =>
      call<{ usageEventLog: Connection<UsageEventRow> }>(LOG, { id: apiKeyId, outcomes: outcomesOf(outcome), after }).then(
        (d) => d.usageEventLog,
      ),
    [call, apiKeyId, outcome],
  );
  const merge = useCallback((incoming: UsageEventRow[]) => {
    incoming.forEach((e) => shown.current.add(e.id));
    setEvents((current) => mergeEvents(current, incoming));
  }, []);

  useEffect(() => {
    shown.current = new Set();
    setEvents([]);
    setState("loading");
    setError(null);
    page(null).then(
      (first) => {
        merge(first.nodes);
        setOlder({ cursor: first.pageInfo.endCursor, hasMore: first.pageInfo.hasNextPage });
        setState("ready");
      },
      (failure) => setError(failure.message),
    );
  }, [page, merge]);

  // Each (re)connection: read back from the newest stored event until one already shown.
  useEffect(() => {
    if (liveGeneration < 2) return;
    void (async () => {
      let after: string | null = null;
      for (let i = 0; i < CATCH_UP_PAGES; i++) {
        const next: Connection<UsageEventRow> = await page(after);
        const known = next.nodes.some((e) => shown.current.has(e.id));
        merge(next.nodes);
        if (known || !next.pageInfo.hasNextPage) return;
        after = next.pageInfo.endCursor;
      }
    })().catch((failure) => setError(failure.message));
  }, [liveGeneration, page, merge]);

  useEffect(
    () =>
      subscribe<{ usageEvents: UsageEventRow }>(
        live,
        LIVE,
        { id: apiKeyId, outcomes: outcomesOf(outcome) },
        ({ usageEvents }) => merge([usageEvents]),
        (failure) => setError(failure.message),
      ),
    [live, apiKeyId, outcome, merge],
  );

  const loadOlder = () => {
    setState("more");
    page(older.cursor).then(
      (next) => {
        merge(next.nodes);
        setOlder({ cursor: next.pageInfo.endCursor, hasMore: next.pageInfo.hasNextPage });
        setState("ready");
      },
      (failure) => setError(failure.message),
    );
  };

  return (
    <section className="card" aria-labelledby="events-heading">
      <div className="page-head">
        <h2 id="events-heading">Requests</h2>
        <label htmlFor="outcome-filter">Outcome</label>
        <select id="outcome-filter" value={outcome} onChange={(e) => setOutcome(e.target.value)}>
          <option value="">All outcomes</option>
          {OUTCOMES.map((o) => (
            <option key={o} value={o}>
              {humanize(o)}
            </option>
          ))}
        </select>
      </div>
      {error && <ErrorState message={error} />}
      {state === "loading" && !error ? (
        <Loading what="requests" />
      ) : events.length === 0 ? (
        <EmptyState title="No requests yet.">Requests made with this key appear here as they happen.</EmptyState>
      ) : (
        <div className="table-scroll">
          <table aria-label="Requests made with this key">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Operation</th>
                <th scope="col">Resources</th>
                <th scope="col">Outcome</th>
                <th scope="col" className="num">
                  Duration
                </th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.id}>
                  <td>{formatMoment(e.occurredAt)}</td>
                  <td>
                    {e.operationType} {e.operationName ?? <span className="hint">(anonymous)</span>}
                  </td>
                  <td>{e.resources.map(humanize).join(", ") || "—"}</td>
                  <td>
                    <span className={`badge outcome-${e.outcome.toLowerCase()}`}>{e.outcome}</span>
                  </td>
                  <td className="num">{e.durationMs === null ? "—" : `${e.durationMs} ms`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {older.hasMore && state !== "loading" && <LoadMore onClick={loadOlder} busy={state === "more"} />}
    </section>
  );
}
