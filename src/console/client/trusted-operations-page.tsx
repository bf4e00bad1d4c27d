import { useState } from "react";
import { AddTrustedOperationsDialog } from "./add-trusted-operations-dialog";
import { useSession } from "./session";
import { EmptyState, formatDate, PagedList } from "./ui";
import { Connection, usePages } from "./use-pages";

/** A trusted operation as lists show it (its document is not needed to pick or recognise it). */
export interface TrustedOperationRow {
  id: string;
  name: string | null;
  createdAt: string;
}

export const TRUSTED_OPERATIONS = `query ConsoleTrustedOperations($after: String) {
  trustedOperations(first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id name createdAt } }
}`;

/** The workspace's trusted operations, newest first, through the session's caller. */
export function useTrustedOperations() {
  const { call } = useSession();
  return usePages(
    (after) => call<{ trustedOperations: Connection<TrustedOperationRow> }>(TRUSTED_OPERATIONS, { after }).then((d) => d.trustedOperations),
    [],
  );
}

/** An operation's name, or what stands for it when the document names none. */
export const operationName = (op: Pick<TrustedOperationRow, "name">) => op.name ?? "Anonymous operation";

/** The workspace's trusted operations (ADMIN and SECURITY); ADMIN adds documents. */
export function TrustedOperationsPage() {
  const { member } = useSession();
  const pages = useTrustedOperations();
  const [adding, setAdding] = useState(false);
  const [added, setAdded] = useState<string | null>(null);
  const isAdmin = member.role === "ADMIN";
  return (
    <>
      <div className="page-head">
        <h1>Trusted operations</h1>
        {isAdmin && (
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            Add trusted operations
          </button>
        )}
      </div>
      <p className="lede">
        Documents this workspace trusts. A key held to some of them runs only those; any key or member may send an operation's id instead of
        its text. Entries are permanent.
      </p>
      <p role="status" className={added ? "notice" : undefined}>
        {added ?? ""}
      </p>
      <section className="card" aria-label="Trusted operations">
        <PagedList
          pages={pages}
          what="trusted operations"
          empty={
            <EmptyState title="No trusted operations yet.">
              {isAdmin ? "Add the documents your clients send to hold keys to them." : "An ADMIN member adds them."}
            </EmptyState>
          }
        >
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Id</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {pages.items.map((op) => (
                  <tr key={op.id}>
                    <td>{operationName(op)}</td>
                    <td>
                      <code className="operation-id">{op.id}</code>
                    </td>
                    <td>{formatDate(op.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </PagedList>
      </section>
      {adding && (
        <AddTrustedOperationsDialog
          onClose={() => setAdding(false)}
          onAdded={(operations) => {
            pages.reload();
            setAdding(false);
            setAdded(
              `Trusted ${operations.length === 1 ? "1 operation" : `${operations.length} operations`}: ${operations.map(operationName).join(", ")}.`,
            );
          }}
        />
      )}
    </>
  );
}
