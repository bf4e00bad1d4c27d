import { useEffect, useState } from "react";
import { ApiError, subscribe } from "./api";
import { CreateKeyDialog } from "./create-key-dialog";
import { KeyTable, KeyRow, KEY_FIELDS } from "./key-table";
import { RevokeDialog, RotateDialog } from "./key-actions";
import { useSession } from "./session";
import { SecretDialog } from "./secret-dialog";
import { Connection, usePages } from "./use-pages";

const KEYS = `query ConsoleKeys($status: [ApiKeyStatus!], $after: String) {
  apiKeys(status: $status, first: 25, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { ${KEY_FIELDS} } }
}`;
const LIVE_USAGE = `subscription ConsoleKeysUsage { apiKeyUsage { apiKey { id } usage { last24h last7d last30d } lastUsedAt } }`;

type Usage = Pick<KeyRow, "usage" | "lastUsedAt">;
type Dialog =
  | { kind: "create" }
  | { kind: "revoke"; key: KeyRow }
  | { kind: "rotate"; key: KeyRow }
  | { kind: "secret"; title: string; secret: string }
  | null;

/** The seed's page: Active and Revoked / Expired keys with their counts, live; create, revoke, rotate. */
export function KeysPage() {
  const { call, live, member, liveGeneration } = useSession();
  const page = (status: string[]) => (after: string | null) =>
    call<{ apiKeys: Connection<KeyRow> }>(KEYS, { status, after }).then((d) => d.apiKeys);
  const active = usePages(page(["ACTIVE"]), []);
  const inactive = usePages(page(["REVOKED", "EXPIRED"]), []);
  const [usage, setUsage] = useState<Map<string, Usage>>(new Map());
  const [liveError, setLiveError] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);

  useEffect(
    () =>
      subscribe<{ apiKeyUsage: { apiKey: { id: string } } & Usage }>(
        live,
        LIVE_USAGE,
        {},
        ({ apiKeyUsage: u }) => setUsage((before) => new Map(before).set(u.apiKey.id, { usage: u.usage, lastUsedAt: u.lastUsedAt })),
        (error: ApiError) => setLiveError(error.message),
      ),
    [live],
  );

  // Both stable (useCallback with no deps): depending on them never re-runs the effect.
  const { reload: reloadActive } = active;
  const { reload: reloadInactive } = inactive;
  // Updates sent while the socket was down are lost: re-read the counts after a reconnect.
  useEffect(() => {
    if (liveGeneration < 2) return;
    reloadActive();
    reloadInactive();
  }, [liveGeneration, reloadActive, reloadInactive]);

  const withLive = (rows: KeyRow[]) => rows.map((row) => ({ ...row, ...usage.get(row.id) }));
  const reloadAll = () => {
    active.reload();
    inactive.reload();
  };
  const isAdmin = member.role === "ADMIN";
  return (
    <>
      <div className="page-head">
        <h1>API keys</h1>
        {isAdmin && (
          <button type="button" className="primary" onClick={() => setDialog({ kind: "create" })}>
            Create API key
          </button>
        )}
      </div>
      <p className="lede">Each key is scoped to resources with read and write access. Counts update live as keys are used.</p>
      {liveError && <p className="field-error">Live counts are unavailable: {liveError}</p>}
      <KeyTable
        title="Active"
        pages={active}
        rows={withLive(active.items)}
        empty={isAdmin ? "No active keys yet. Create one to call the API." : "No active keys in this workspace."}
        actions={{
          onRevoke: (key) => setDialog({ kind: "revoke", key }),
          onRotate: isAdmin ? (key) => setDialog({ kind: "rotate", key }) : undefined,
        }}
      />
      <KeyTable title="Revoked / Expired" pages={inactive} rows={withLive(inactive.items)} empty="No revoked or expired keys." />
      {dialog?.kind === "create" && (
        <CreateKeyDialog
          onClose={() => setDialog(null)}
          onCreated={(secret) => {
            active.reload();
            setDialog({ kind: "secret", title: "Your new API key", secret });
          }}
        />
      )}
      {dialog?.kind === "revoke" && (
        <RevokeDialog
          apiKey={dialog.key}
          onClose={() => setDialog(null)}
          onDone={() => {
            reloadAll();
            setDialog(null);
          }}
        />
      )}
      {dialog?.kind === "rotate" && (
        <RotateDialog
          apiKey={dialog.key}
          onClose={() => setDialog(null)}
          onRotated={(secret) => {
            reloadAll();
            setDialog({ kind: "secret", title: "Your rotated API key", secret });
          }}
        />
      )}
      {dialog?.kind === "secret" && <SecretDialog title={dialog.title} secret={dialog.secret} onClose={() => setDialog(null)} />}
    </>
  );
}
