import { FormEvent, useState } from "react";
import { DialogButtons, Failure, useSubmit } from "./dialog-form";
import { PolicyErrorsElsewhere } from "./policy";
import type { KeyRow } from "./key-table";
import { useSession } from "./session";
import { Dialog, FieldMessage, fieldAria, messageFor } from "./ui";

const REVOKE = `mutation ConsoleRevokeKey($id: ID!, $reason: String) { revokeApiKey(id: $id, reason: $reason) { id status } }`;
const ROTATE = `mutation ConsoleRotateKey($id: ID!, $grace: Int) { rotateApiKey(id: $id, gracePeriodSeconds: $grace) { secret apiKey { id } } }`;

export const GRACE_PERIODS: [string, number][] = [
  ["None", 0],
  ["1 hour", 3600],
  ["24 hours", 86_400],
  ["7 days", 604_800],
];

export function RevokeDialog({ apiKey, onClose, onDone }: { apiKey: KeyRow; onClose: () => void; onDone: () => void }) {
  const { call } = useSession();
  const [reason, setReason] = useState("");
  const { errors, failure, busy, run } = useSubmit();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await call(REVOKE, { id: apiKey.id, reason: reason.trim() || null });
      onDone();
    });
  };
  const reasonError = messageFor(errors, "reason");
  return (
    <Dialog title="Revoke API key" onClose={onClose}>
      <form onSubmit={submit}>
        <p>
          Revoking <strong>{apiKey.name}</strong> (<code>gqk_{apiKey.prefix}…</code>) is permanent: every request with it is refused from
          now on.
        </p>
        <label htmlFor="revoke-reason">Reason</label>
        <textarea {...fieldAria("revoke-reason", reasonError)} rows={3} value={reason} onChange={(e) => setReason(e.target.value)} />
        <FieldMessage id="revoke-reason-error" label="Reason" message={reasonError} />
        <Failure message={failure} />
        <DialogButtons onClose={onClose} label="Revoke key" kind="danger" busy={busy} />
      </form>
    </Dialog>
  );
}

export function RotateDialog({ apiKey, onClose, onRotated }: { apiKey: KeyRow; onClose: () => void; onRotated: (secret: string) => void }) {
  const { call } = useSession();
  const [grace, setGrace] = useState(0);
  const { errors, failure, busy, run } = useSubmit();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const { rotateApiKey } = await call<{ rotateApiKey: { secret: string } }>(ROTATE, { id: apiKey.id, grace });
      onRotated(rotateApiKey.secret);
    });
  };
  const graceError = messageFor(errors, "gracePeriodSeconds");
  return (
    <Dialog title="Rotate API key" onClose={onClose}>
      <form onSubmit={submit}>
        <p>
          A new key replaces <strong>{apiKey.name}</strong> with the same name, permissions and expiry. The old key keeps working for the
          grace period.
        </p>
        <label htmlFor="rotate-grace">Grace period</label>
        <select {...fieldAria("rotate-grace", graceError)} value={grace} onChange={(e) => setGrace(Number(e.target.value))}>
          {GRACE_PERIODS.map(([label, seconds]) => (
            <option key={seconds} value={seconds}>
              {label}
            </option>
          ))}
        </select>
        <FieldMessage id="rotate-grace-error" label="Grace period" message={graceError} />
        <PolicyErrorsElsewhere errors={errors} shown={[]} />
        <Failure message={failure} />
        <DialogButtons onClose={onClose} label="Rotate key" busy={busy} />
      </form>
    </Dialog>
  );
}
