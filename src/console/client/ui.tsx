import { ReactNode, useEffect, useId, useRef } from "react";
import type { FieldError } from "./api";
import type { Pages } from "./use-pages";

/** A modal dialog (native <dialog>), named by its heading; Escape or Cancel closes it. */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={onClose} className="dialog">
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}

/** The message the API gave for `field` (or anything under it, e.g. `input.permissions.0`). */
export function messageFor(errors: FieldError[], ...fields: string[]): string | undefined {
  return errors.find((e) => fields.some((f) => e.field === f || e.field.startsWith(`${f}.`) || e.field.startsWith(`${f}[`)))?.message;
}

/** An error beside its field, in words; `id` is what the field's aria-describedby points to. */
/**
 * The attributes that tie a form control to its error message (`<id>-error`, shown by FieldMessage)
 * and, when it has one, its hint (`<id>-hint`): the one place every field's error is wired, so a
 * screen reader hears it as invalid and reads the message with it.
 */
export function fieldAria(id: string, error: string | undefined, hint = false) {
  const describedBy = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(" ");
  return { id, "aria-invalid": error ? true : undefined, "aria-describedby": describedBy || undefined };
}

export function FieldMessage({ id, label, message }: { id: string; label: string; message?: string }) {
  if (!message) return null;
  return (
    <p id={id} className="field-error">
      {label} {message}.
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="state state-loading" aria-busy="true">
      Loading {what}…
    </p>
  );
}

export function ErrorState({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div className="state state-error" role="alert">
      <p>{message}</p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <p className="state-title">{title}</p>
      {children && <p>{children}</p>}
    </div>
  );
}

export function LoadMore({ onClick, busy }: { onClick: () => void; busy: boolean }) {
  return (
    <button type="button" className="load-more" onClick={onClick} disabled={busy}>
      {busy ? "Loading…" : "Load more"}
    </button>
  );
}

/** A paged list in one of its states — loading, failed (with a retry), empty, or its rows — and `Load more` while there is more. */
export function PagedList<T>({ pages, what, empty, children }: { pages: Pages<T>; what: string; empty: ReactNode; children: ReactNode }) {
  return (
    <>
      {pages.loading ? (
        <Loading what={what} />
      ) : pages.error ? (
        <ErrorState message={pages.error} onRetry={pages.reload} />
      ) : pages.items.length === 0 ? (
        empty
      ) : (
        children
      )}
      {pages.hasMore && <LoadMore onClick={pages.loadMore} busy={pages.loadingMore} />}
    </>
  );
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const withSeconds = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

export function formatDate(value: string | null | undefined, empty = "—"): string {
  return value ? dateTime.format(new Date(value)) : empty;
}

/** To the second, for events that come many a minute. */
export function formatMoment(value: string): string {
  return withSeconds.format(new Date(value));
}

export function formatCount(value: number): string {
  return value.toLocaleString();
}

/** "KNOWLEDGE_BASE" → "Knowledge base". */
export function humanize(value: string): string {
  const words = value.toLowerCase().replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}
