import { useSession } from "./session";
import { EmptyState, formatDate, humanize, PagedList } from "./ui";
import { Connection, usePages } from "./use-pages";

interface Entry {
  id: string;
  occurredAt: string;
  action: string;
  targetId: string | null;
  details: Record<string, unknown> | null;
  actor: { email: string } | null;
}

const AUDIT = `query ConsoleAudit($after: String) {
  auditLog(first: 50, after: $after) { pageInfo { hasNextPage endCursor } nodes { id occurredAt action targetId details actor { email } } }
}`;

/** What was done to members and keys, by whom, newest first. Details never hold a secret. */
export function AuditPage() {
  const { call } = useSession();
  const pages = usePages((after) => call<{ auditLog: Connection<Entry> }>(AUDIT, { after }).then((d) => d.auditLog), []);
  return (
    <>
      <h1>Audit log</h1>
      <p className="lede">Every sign-in, member and key change in this workspace, newest first.</p>
      <section className="card" aria-label="Audit entries">
        <PagedList pages={pages} what="the audit log" empty={<EmptyState title="Nothing recorded yet." />}>
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Action</th>
                  <th scope="col">By</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {pages.items.map((entry) => (
                  <tr key={entry.id}>
                    <td>{formatDate(entry.occurredAt)}</td>
                    <td>{humanize(entry.action)}</td>
                    <td>{entry.actor?.email ?? "—"}</td>
                    <td className="details">
                      {entry.details
                        ? Object.entries(entry.details)
                            .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
                            .join(" · ")
                        : "—"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </PagedList>
      </section>
    </>
  );
}
