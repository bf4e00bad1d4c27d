import { FormEvent, useState } from "react";
import type { FieldError } from "./api";
import { DialogButtons, Failure, useSubmit } from "./dialog-form";
import { useSession } from "./session";
import type { TrustedOperationRow } from "./trusted-operations-page";
import { Dialog, fieldAria } from "./ui";

const ADD = `mutation ConsoleAddTrustedOperations($documents: [String!]!) { addTrustedOperations(documents: $documents) { id name createdAt } }`;

/**
 * The documents in the `Documents` field: a line holding only `---` separates two. Each document is
 * everything between separators exactly as typed, its last line break included (a file pasted
 * whole keeps its final newline, so its id is the one its client computes); blank pieces are dropped.
 */
export function splitDocuments(text: string): string[] {
  return text.split(/^[ \t]*---[ \t]*(?:\n|$)/m).filter((piece) => piece.trim() !== "");
}

/** `documents.<index>` → "Document <index + 1>", as the person counted them in the field. */
function documentErrors(errors: FieldError[]): { label: string; message: string }[] {
  return errors.map((e) => {
    const index = /^documents\.(\d+)/.exec(e.field);
    return { label: index ? `Document ${Number(index[1]) + 1} (${e.field})` : "Documents", message: e.message };
  });
}

/** `Add trusted operations` (ADMIN): one or more documents, checked by the API as a whole; nothing is stored unless all pass. */
export function AddTrustedOperationsDialog({
  onClose,
  onAdded,
}: {
  onClose: () => void;
  onAdded: (operations: TrustedOperationRow[]) => void;
}) {
  const { call } = useSession();
  const [text, setText] = useState("");
  const [empty, setEmpty] = useState(false);
  const { errors, failure, busy, run } = useSubmit();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const documents = splitDocuments(text);
    setEmpty(documents.length === 0);
    if (documents.length === 0) return;
    await run(async () => {
      const { addTrustedOperations } = await call<{ addTrustedOperations: TrustedOperationRow[] }>(ADD, { documents });
      onAdded(addTrustedOperations);
    });
  }

  const shown = empty ? [{ label: "Documents", message: "must hold at least one operation" }] : documentErrors(errors);
  const error = shown.length > 0 ? "refused" : undefined;
  return (
    <Dialog title="Add trusted operations" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <label htmlFor="trusted-documents">Documents</label>
        <p id="trusted-documents-hint" className="hint">
          Paste one or more GraphQL operations, one per document; put a line holding only <code>---</code> between two documents. Each is
          trusted exactly as written, up to and including its last line break: its id is the SHA-256 of that text, so paste what your client
          sends.
        </p>
        <textarea
          {...fieldAria("trusted-documents", error, true)}
          className="documents"
          rows={14}
          spellCheck={false}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        {shown.length > 0 && (
          <div id="trusted-documents-error" className="field-error">
            {!empty && <p>Nothing was added. The API refused:</p>}
            <ul>
              {shown.map((e) => (
                <li key={e.label}>
                  {e.label} {e.message}.
                </li>
              ))}
            </ul>
          </div>
        )}
        <Failure message={failure} />
        <DialogButtons onClose={onClose} label="Add documents" busy={busy} />
      </form>
    </Dialog>
  );
}
