import { operationName, useTrustedOperations } from "./trusted-operations-page";
import { FieldMessage, PagedList } from "./ui";

/**
 * The create dialog's `Trusted operations`: tick the workspace's operations the key may run (sent
 * as `trustedOperationIds`, in the order ticked); none ticked leaves the key free to run any operation.
 */
export function TrustedOperationsField({
  selected,
  onChange,
  error,
}: {
  selected: string[];
  onChange: (ids: string[]) => void;
  error?: string;
}) {
  const pages = useTrustedOperations();
  const toggle = (id: string, on: boolean) => onChange(on ? [...selected, id] : selected.filter((s) => s !== id));
  return (
    <fieldset aria-describedby={error ? "key-trusted-error key-trusted-hint" : "key-trusted-hint"}>
      <legend>Trusted operations</legend>
      <p id="key-trusted-hint" className="hint">
        Optional. Tick the operations this key may run; it then runs nothing else. Leave all unticked for any operation.
      </p>
      <PagedList
        pages={pages}
        what="trusted operations"
        empty={<p className="hint">The workspace has no trusted operations yet: add them on the Trusted operations page.</p>}
      >
        <ul className="choices">
          {pages.items.map((op) => (
            <li key={op.id}>
              <label className="choice">
                <input type="checkbox" checked={selected.includes(op.id)} onChange={(e) => toggle(op.id, e.target.checked)} />
                {operationName(op)} <code>{op.id.slice(0, 19)}…</code>
              </label>
            </li>
          ))}
        </ul>
      </PagedList>
      <FieldMessage id="key-trusted-error" label="Trusted operations" message={error} />
    </fieldset>
  );
}
