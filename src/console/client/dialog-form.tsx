import { useState } from "react";
import { ApiError, FieldError } from "./api";
import { wordedForPolicy } from "./policy";

/** Runs a mutation for a dialog: field errors beside their fields, anything else as one message. */
export function useSubmit() {
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function run(action: () => Promise<void>) {
    setBusy(true);
    setErrors([]);
    setFailure(null);
    try {
      await action();
    } catch (error) {
      const apiError = error as ApiError;
      if (apiError.fields?.length) setErrors(apiError.fields.map(wordedForPolicy));
      else setFailure(apiError.message);
      setBusy(false);
    }
  }
  return { errors, failure, busy, run };
}

/** What went wrong that belongs to no one field. */
export function Failure({ message }: { message: string | null }) {
  return message ? (
    <p className="field-error" role="alert">
      {message}
    </p>
  ) : null;
}

/** Cancel, and the form's submit button (`disabled` while it runs, where given). */
export function DialogButtons({
  onClose,
  label,
  kind = "primary",
  busy,
}: {
  onClose: () => void;
  label: string;
  kind?: "primary" | "danger";
  busy?: boolean;
}) {
  return (
    <div className="dialog-buttons">
      <button type="button" onClick={onClose}>
        Cancel
      </button>
      <button type="submit" className={kind} disabled={busy}>
        {label}
      </button>
    </div>
  );
}
