import { useEffect, useState } from "react";
import type { ApiError } from "./api";
import { violationText, WorkspacePolicy } from "./policy";
import { useSession } from "./session";
import { operationName, TrustedOperationRow } from "./trusted-operations-page";
import { ErrorState, Loading } from "./ui";

interface KeyTrustData {
  apiKey: { trustedOperations: Pick<TrustedOperationRow, "id" | "name">[] | null; policyViolations: string[] } | null;
  workspacePolicy: WorkspacePolicy;
}

const KEY_TRUST = `query ConsoleKeyTrust($id: ID!) {
  apiKey(id: $id) { trustedOperations { id name } policyViolations }
  workspacePolicy { maxKeyLifetimeDays requireExpiry requireAllowedCidrs requireTrustedOperations }
}`;

/** A key's page, what it may run: its trusted operations (or any operation) and the policies it breaks. */
export function KeyTrust({ id }: { id: string }) {
  const { call } = useSession();
  const [data, setData] = useState<KeyTrustData | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    call<KeyTrustData>(KEY_TRUST, { id }).then(
      (answer) => current && setData(answer),
      (failure: ApiError) => current && setError(failure.message),
    );
    return () => {
      current = false;
    };
  }, [call, id]);

  if (error) return <ErrorState message={error} />;
  if (!data) return <Loading what="what the key may run" />;
  if (!data.apiKey) return null;
  const { trustedOperations, policyViolations } = data.apiKey;
  return (
    <div className="key-trust">
      <section className="card" aria-labelledby="key-trusted-heading">
        <h2 id="key-trusted-heading">Trusted operations</h2>
        {trustedOperations === null ? (
          <p>Any operation: this key is not held to trusted operations.</p>
        ) : (
          <ul aria-labelledby="key-trusted-heading" className="plain-list">
            {trustedOperations.map((op) => (
              <li key={op.id}>
                {operationName(op)} <code className="operation-id">{op.id}</code>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="key-violations-heading">
        <h2 id="key-violations-heading">Policy violations</h2>
        {policyViolations.length === 0 ? (
          <p>None: this key meets the workspace policy.</p>
        ) : (
          <>
            <p className="hint">The key keeps working. Rotating it may be refused until it meets the policy; revoking never is.</p>
            <ul aria-labelledby="key-violations-heading" className="violations">
              {policyViolations.map((name) => (
                <li key={name}>
                  {violationText(name, data.workspacePolicy)} (<code>{name}</code>)
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
    </div>
  );
}
