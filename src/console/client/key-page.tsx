import { useCallback, useEffect, useState } from "react";
import { ApiError, subscribe } from "./api";
import type { KeyRow } from "./key-table";
import { KeyTrust } from "./key-trust";
import { useSession } from "./session";
import { SPEND_FIELDS, SpendFacts, SpendView } from "./spend-fields";
import { ErrorState, formatCount, formatDate, humanize, Loading } from "./ui";
import { UsageChart, UsagePoint } from "./usage-chart";
import { UsageEvents } from "./usage-events";

const GRANULARITIES = ["MINUTE", "HOUR", "DAY"] as const;
type Granularity = (typeof GRANULARITIES)[number];

interface KeyDetail extends KeyRow, SpendView {
  permissions: { resource: string; read: boolean; write: boolean }[];
  createdAt: string;
  revocationReason: string | null;
  usageSeries: UsagePoint[];
}

const KEY = `query ConsoleKey($id: ID!, $granularity: UsageGranularity!) {
  apiKey(id: $id) {
    id name prefix status expiresAt lastUsedAt revokedAt revocationReason createdAt
    usage { last24h last7d last30d }
    permissions { resource read write }
    ${SPEND_FIELDS}
    usageSeries(granularity: $granularity) { start count forbidden }
  }
}`;
const SERIES = `query ConsoleSeries($id: ID!, $granularity: UsageGranularity!) { apiKey(id: $id) { usageSeries(granularity: $granularity) { start count forbidden } } }`;
const LIVE = `subscription ConsoleKeyUsage($id: ID!) { apiKeyUsage(apiKeyId: $id) { usage { last24h last7d last30d } lastUsedAt ${SPEND_FIELDS} } }`;

/** One key: its facts, usage chart, live counter and live events. */
export function KeyPage({ id }: { id: string }) {
  const { call, live } = useSession();
  const [key, setKey] = useState<KeyDetail | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [granularity, setGranularity] = useState<Granularity>("MINUTE");
  const [series, setSeries] = useState<UsagePoint[]>([]);
  const [usage, setUsage] = useState<KeyRow["usage"] | null>(null);
  const [spend, setSpend] = useState<SpendView | null>(null);
  const [liveTick, setLiveTick] = useState(0);

  const load = useCallback(() => {
    setError(null);
    call<{ apiKey: KeyDetail | null }>(KEY, { id, granularity: "MINUTE" }).then(
      ({ apiKey }) => {
        setKey(apiKey);
        if (apiKey) setSeries(apiKey.usageSeries);
      },
      (failure: ApiError) => setError(failure.message),
    );
  }, [call, id]);
  useEffect(load, [load]);

  // A new granularity, or counters that moved: re-read the series.
  // biome-ignore lint/correctness/useExhaustiveDependencies: liveTick is the "counters moved" trigger and is not read inside.
  useEffect(() => {
    if (!key) return;
    call<{ apiKey: { usageSeries: UsagePoint[] } | null }>(SERIES, { id, granularity }).then(
      ({ apiKey }) => apiKey && setSeries(apiKey.usageSeries),
      () => undefined,
    );
  }, [call, id, granularity, liveTick, key]);

  useEffect(
    () =>
      subscribe<{ apiKeyUsage: { usage: KeyRow["usage"] } & SpendView }>(
        live,
        LIVE,
        { id },
        ({ apiKeyUsage }) => {
          setUsage(apiKeyUsage.usage);
          setSpend({ costBudget: apiKeyUsage.costBudget, credits: apiKeyUsage.credits });
          setLiveTick((t) => t + 1);
        },
        (failure) => setError(failure.message),
      ),
    [live, id],
  );

  if (error && !key) return <ErrorState message={error} onRetry={load} />;
  if (key === undefined) return <Loading what="the key" />;
  if (key === null) return <ErrorState message="No API key with this id in your workspace." />;
  const counts = usage ?? key.usage;
  return (
    <>
      <p className="crumb">
        <a href="#/keys">← All keys</a>
      </p>
      <h1>{key.name}</h1>
      <dl className="facts">
        <dt>Prefix</dt>
        <dd>
          <code>gqk_{key.prefix}…</code>
        </dd>
        <dt>Status</dt>
        <dd>
          <span className={`badge badge-${key.status.toLowerCase()}`}>{key.status}</span>
          {key.revocationReason && ` — ${key.revocationReason}`}
        </dd>
        <dt>Expiry</dt>
        <dd>{formatDate(key.expiresAt, "Never")}</dd>
        <dt>Permissions</dt>
        <dd>
          {key.permissions
            .map((p) => `${humanize(p.resource)} ${[p.read && "read", p.write && "write"].filter(Boolean).join(" + ")}`)
            .join(", ")}
        </dd>
        <SpendFacts spend={spend ?? key} />
      </dl>
      <div className="card live-counter">
        <p>
          <span id="live-label" className="live-label">
            Requests (live)
          </span>
          <output aria-labelledby="live-label" aria-live="off" className="live-value">
            {formatCount(counts.last24h)}
          </output>
          <span className={usage ? "badge badge-active" : "badge"}>{usage ? "Live" : "Connecting…"}</span>
          <span className="hint">
            {" "}
            in the last 24 hours · {formatCount(counts.last7d)} in 7 days · {formatCount(counts.last30d)} in 30 days
          </span>
        </p>
      </div>
      <section className="card" aria-labelledby="chart-heading">
        <div className="page-head">
          <h2 id="chart-heading">Usage</h2>
          <label htmlFor="granularity">Granularity</label>
          <select id="granularity" value={granularity} onChange={(e) => setGranularity(e.target.value as Granularity)}>
            {GRANULARITIES.map((g) => (
              <option key={g} value={g}>
                {humanize(g)}
              </option>
            ))}
          </select>
        </div>
        <UsageChart points={series} label={`Requests per ${granularity.toLowerCase()} for ${key.name}`} />
      </section>
      <KeyTrust id={id} />
      <UsageEvents apiKeyId={id} />
    </>
  );
}
