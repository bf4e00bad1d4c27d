import { FormEvent, Fragment, useCallback, useEffect, useState } from "react";
import type { ApiError } from "./api";
import { Failure, useSubmit } from "./dialog-form";
import { MAX_LIFETIME_LABEL, POLICY, POLICY_FIELDS, POLICY_SWITCHES, WorkspacePolicy } from "./policy";
import { useSession } from "./session";
import { ErrorState, FieldMessage, fieldAria, Loading, messageFor } from "./ui";

const UPDATE = `mutation ConsoleUpdatePolicy($input: WorkspacePolicyInput!) { updateWorkspacePolicy(input: $input) { ${POLICY_FIELDS} } }`;

/** The workspace policy for keys: ADMIN edits it, SECURITY reads it. */
export function PolicyPage() {
  const { call, member } = useSession();
  const [policy, setPolicy] = useState<WorkspacePolicy | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    setError(null);
    call<{ workspacePolicy: WorkspacePolicy }>(POLICY).then(
      ({ workspacePolicy }) => setPolicy(workspacePolicy),
      (failure: ApiError) => setError(failure.message),
    );
  }, [call]);
  useEffect(load, [load]);
  return (
    <>
      <h1>Policy</h1>
      <p className="lede">
        What every key of this workspace must have. New keys, updates and rotations that break it are refused; keys made before a stricter
        policy keep working and list their policy violations on their page. Revoking is never blocked.
      </p>
      <section className="card" aria-label="Workspace policy">
        {error ? (
          <ErrorState message={error} onRetry={load} />
        ) : !policy ? (
          <Loading what="the policy" />
        ) : member.role === "ADMIN" ? (
          <PolicyForm policy={policy} onSaved={setPolicy} />
        ) : (
          <PolicyFacts policy={policy} />
        )}
      </section>
    </>
  );
}

/** SECURITY's view: the same four settings, read only. */
function PolicyFacts({ policy }: { policy: WorkspacePolicy }) {
  return (
    <>
      <dl className="facts">
        <dt>{MAX_LIFETIME_LABEL}</dt>
        <dd>{policy.maxKeyLifetimeDays ?? "No limit"}</dd>
        {POLICY_SWITCHES.map((s) => (
          <Fragment key={s.name}>
            <dt>{s.label}</dt>
            <dd>{policy[s.name] ? "Yes" : "No"}</dd>
          </Fragment>
        ))}
      </dl>
      <p className="hint">Only ADMIN members change the policy.</p>
    </>
  );
}

function PolicyForm({ policy, onSaved }: { policy: WorkspacePolicy; onSaved: (policy: WorkspacePolicy) => void }) {
  const { call } = useSession();
  const [days, setDays] = useState(policy.maxKeyLifetimeDays === null ? "" : String(policy.maxKeyLifetimeDays));
  const [switches, setSwitches] = useState(() => Object.fromEntries(POLICY_SWITCHES.map((s) => [s.name, policy[s.name]])));
  const [notWhole, setNotWhole] = useState(false);
  const [saved, setSaved] = useState(false);
  const { errors, failure, busy, run } = useSubmit();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    const trimmed = days.trim();
    // A typo must not read as "no limit": only a blank field removes it.
    setNotWhole(trimmed !== "" && !/^\d+$/.test(trimmed));
    if (trimmed !== "" && !/^\d+$/.test(trimmed)) return;
    await run(async () => {
      const input = { maxKeyLifetimeDays: trimmed === "" ? null : Number(trimmed), ...switches };
      const { updateWorkspacePolicy } = await call<{ updateWorkspacePolicy: WorkspacePolicy }>(UPDATE, { input });
      onSaved(updateWorkspacePolicy);
      setSaved(true);
    });
  }

  const daysError = notWhole ? "must be a whole number of days, or blank for no limit" : messageFor(errors, "input.maxKeyLifetimeDays");
  return (
    <form onSubmit={submit} noValidate className="policy-form">
      <label htmlFor="policy-max-days">{MAX_LIFETIME_LABEL}</label>
      <p id="policy-max-days-hint" className="hint">
        <code>maxKeyLifetimeDays</code>: 1 to 3,650 days from a key's creation to its expiry; a key must then have an expiry date. Leave
        blank for no limit.
      </p>
      <input
        {...fieldAria("policy-max-days", daysError, true)}
        inputMode="numeric"
        value={days}
        onChange={(e) => setDays(e.target.value)}
      />
      <FieldMessage id="policy-max-days-error" label={MAX_LIFETIME_LABEL} message={daysError} />
      {POLICY_SWITCHES.map((s) => {
        const switchError = messageFor(errors, `input.${s.name}`);
        return (
          <div key={s.name} className="check-row">
            <input
              {...fieldAria(`policy-${s.name}`, switchError)}
              type="checkbox"
              checked={switches[s.name]}
              onChange={(e) => setSwitches((before) => ({ ...before, [s.name]: e.target.checked }))}
            />
            <label htmlFor={`policy-${s.name}`}>{s.label}</label>
            <code className="hint">{s.name}</code>
            <FieldMessage id={`policy-${s.name}-error`} label={s.label} message={switchError} />
          </div>
        );
      })}
      <Failure message={failure} />
      <div className="dialog-buttons">
        <p role="status" className="saved">
          {saved ? "Policy saved." : ""}
        </p>
        <button type="submit" className="primary" disabled={busy}>
          Save policy
        </button>
      </div>
    </form>
  );
}
