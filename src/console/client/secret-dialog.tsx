import { useState } from "react";
import { Dialog } from "./ui";

/** The secret, once: the page keeps it only while this dialog is open. */
export function SecretDialog({ title, secret, onClose }: { title: string; secret: string; onClose: () => void }) {
  const [copied, setCopied] = useState<string>("");
  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("Copied to the clipboard.");
    } catch {
      setCopied("Copy failed: select the secret and copy it yourself.");
    }
  }
  return (
    <Dialog title={title} onClose={onClose}>
      <p className="warning">Copy this secret now and store it safely. It will not be shown again.</p>
      <label htmlFor="new-secret">Secret</label>
      <div className="secret-row">
        <input id="new-secret" className="secret" readOnly value={secret} onFocus={(e) => e.target.select()} spellCheck={false} />
        <button type="button" onClick={copy}>
          Copy
        </button>
      </div>
      <p className="hint" aria-live="polite">
        {copied}
      </p>
      <p className="hint">
        Send it as <code>Authorization: Bearer &lt;secret&gt;</code> with every request.
      </p>
      <div className="dialog-buttons">
        <button type="button" className="primary" onClick={onClose}>
          Done
        </button>
      </div>
    </Dialog>
  );
}
