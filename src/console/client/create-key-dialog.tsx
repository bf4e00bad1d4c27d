import { FormEvent, useState } from "react";
import { DialogButtons, Failure, useSubmit } from "./dialog-form";
import { PolicyErrorsElsewhere, PolicyNotice } from "./policy";
import { useSession } from "./session";
import { TrustedOperationsField } from "./trusted-operations-field";
import { EMPTY_SPEND, SpendFields, spendInput } from "./spend-fields";
import { Dialog, FieldMessage, fieldAria, messageFor } from "./ui";

const CREATE = `mutation ConsoleCreateKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id } } }`;

/** The resources in the API's order, with the seed's names; analytics is read-only. */
export const RESOURCES: { value: string; label: string; readOnly?: boolean }[] = [
  { value: "CALLS", label: "Calls" },
  { value: "LEADS", label: "Leads" },
  { value: "AGENTS", label: "Agents" },
  { value: "ANALYTICS", label: "Analytics", readOnly: true },
  { value: "CONTACTS", label: "Contacts" },
  { value: "KNOWLEDGE_BASE", label: "Knowledge base" },
  { value: "INTEGRATIONS", label: "Integrations" },
];

type Grants = Record<string, { read: boolean; write: boolean }>;

/** The seed's create form: name, optional expiry (the browser's time zone), read/write per resource. */
export function CreateKeyDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (secret: string) => void }) {
  const { call } = useSession();
  const [name, setName] = useState("");
  const [expiry, setExpiry] = useState("");
  const [grants, setGrants] = useState<Grants>({});
  const [trustedOperationIds, setTrustedOperationIds] = useState<string[]>([]);
  const [spend, setSpend] = useState(EMPTY_SPEND);
  const { errors, failure, busy, run } = useSubmit();

  const toggle = (resource: string, access: "read" | "write", on: boolean) =>
    setGrants((before) => ({ ...before, [resource]: { ...(before[resource] ?? { read: false, write: false }), [access]: on } }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    await run(async () => {
      // Every grant as ticked, none implied: write never adds read. The API checks the rules.
      const permissions = Object.entries(grants)
        .filter(([, g]) => g.read || g.write)
        .map(([resource, g]) => ({ resource, read: g.read, write: g.write }));
      const input = {
        name,
        permissions,
        ...(expiry ? { expiresAt: new Date(expiry).toISOString() } : {}),
        // None ticked: the field stays out and the key may run any operation.
        ...(trustedOperationIds.length ? { trustedOperationIds } : {}),
        ...spendInput(spend),
      };
      const { createApiKey } = await call<{ createApiKey: { secret: string } }>(CREATE, { input });
      onCreated(createApiKey.secret);
    });
  }

  const nameError = messageFor(errors, "input.name");
  const expiryError = messageFor(errors, "input.expiresAt");
  const permissionsError = messageFor(errors, "input.permissions");
  return (
    <Dialog title="Create an API key" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <PolicyNotice />
        <label htmlFor="key-name">Name</label>
        <p id="key-name-hint" className="hint">
          A descriptive name that says how the key is used, for example Production Backend or CRM Integration.
        </p>
        <input {...fieldAria("key-name", nameError, true)} value={name} onChange={(e) => setName(e.target.value)} />
        <FieldMessage id="key-name-error" label="Name" message={nameError} />

        <label htmlFor="key-expiry">Expiry date</label>
        <p id="key-expiry-hint" className="hint">
          Optional, in your time zone. The key stops working at that moment; leave blank for no expiry.
        </p>
        <input
          {...fieldAria("key-expiry", expiryError, true)}
          type="datetime-local"
          value={expiry}
          onChange={(e) => setExpiry(e.target.value)}
        />
        <FieldMessage id="key-expiry-error" label="Expiry date" message={expiryError} />

        <fieldset aria-describedby={permissionsError ? "key-permissions-error key-permissions-hint" : "key-permissions-hint"}>
          <legend>Permissions</legend>
          <p id="key-permissions-hint" className="hint">
            Grant at least one. Write does not include read: tick both if needed. Analytics is read-only.
          </p>
          <PermissionGrid grants={grants} onToggle={toggle} />
          <FieldMessage id="key-permissions-error" label="Permissions" message={permissionsError} />
        </fieldset>
        <TrustedOperationsField
          selected={trustedOperationIds}
          onChange={setTrustedOperationIds}
          error={messageFor(errors, "input.trustedOperationIds")}
        />
        <PolicyErrorsElsewhere errors={errors} shown={["input.expiresAt", "input.trustedOperationIds"]} />
        <SpendFields draft={spend} errors={errors} onChange={setSpend} />
        <Failure message={failure} />
        <DialogButtons onClose={onClose} label="Create key" busy={busy} />
      </form>
    </Dialog>
  );
}

function PermissionGrid({
  grants,
  onToggle,
}: {
  grants: Grants;
  onToggle: (resource: string, access: "read" | "write", on: boolean) => void;
}) {
  return (
    <table className="grid">
      <thead>
        <tr>
          <th scope="col">Resource</th>
          <th scope="col">Read</th>
          <th scope="col">Write</th>
        </tr>
      </thead>
      <tbody>
        {RESOURCES.map((r) => (
          <tr key={r.value}>
            <th scope="row">{r.label}</th>
            <td>
              <input
                type="checkbox"
                aria-label={`${r.label} read`}
                checked={grants[r.value]?.read ?? false}
                onChange={(e) => onToggle(r.value, "read", e.target.checked)}
              />
            </td>
            <td>
              {r.readOnly ? (
                <span className="hint">Read only</span>
              ) : (
                <input
                  type="checkbox"
                  aria-label={`${r.label} write`}
                  checked={grants[r.value]?.write ?? false}
                  onChange={(e) => onToggle(r.value, "write", e.target.checked)}
                />
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
