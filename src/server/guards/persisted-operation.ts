import type { HTTPGraphQLRequest } from "@apollo/server";
import { badRequest, persistedQueryNotFound, persistedQueryVersionNotSupported } from "../../common/errors";
import { isTrustedOperationId } from "../../keys/trusted-operations.service";

/**
 * What a request sent in place of, or beside, its text (docs/API.md, "Trusted operations"): the
 * trusted-documents `documentId`, or Apollo's `extensions.persistedQuery`, from a POST body, a GET
 * query string or a graphql-ws `subscribe` payload.
 */
export interface SentOperation {
  query?: unknown;
  documentId?: unknown;
  extensions?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The text sent, when it is a non-empty string (graphql-ws needs a `query`, so an id-only payload sends ""). */
export function sentText(sent: SentOperation): string | undefined {
  return typeof sent.query === "string" && sent.query !== "" ? sent.query : undefined;
}

/**
 * The id the request names, or undefined when it names none. A `persistedQuery` of another
 * version than 1 is PERSISTED_QUERY_NOT_SUPPORTED; two different ids are BAD_REQUEST. The id is
 * returned as sent: its form is judged by whoever looks it up.
 */
export function sentId(sent: SentOperation): string | undefined {
  const persisted = isObject(sent.extensions) ? sent.extensions.persistedQuery : undefined;
  let fromExtension: string | undefined;
  if (persisted !== undefined && persisted !== null) {
    if (!isObject(persisted) || persisted.version !== 1) throw persistedQueryVersionNotSupported();
    fromExtension = `sha256:${String(persisted.sha256Hash)}`;
  }
  const documentId = sent.documentId === undefined || sent.documentId === null ? undefined : String(sent.documentId);
  if (documentId !== undefined && fromExtension !== undefined && documentId !== fromExtension)
    throw badRequest("documentId and extensions.persistedQuery.sha256Hash name different documents");
  return documentId ?? fromExtension;
}

/** Whether the request names an id at all (then the transport hands its parser the text instead). */
export function namesAnId(sent: SentOperation): boolean {
  return (
    (sent.documentId !== undefined && sent.documentId !== null) || (isObject(sent.extensions) && sent.extensions.persistedQuery != null)
  );
}

/** An id that cannot name a trusted operation (not `sha256:` + 64 lowercase hex) is not found, without a look-up. */
export function checkIdForm(id: string): void {
  if (!isTrustedOperationId(id)) throw persistedQueryNotFound();
}

/** What an HTTP request sent: its JSON body, or for GET its query string (`extensions` JSON-decoded when it can be). */
export function sentOverHttp(request: HTTPGraphQLRequest): SentOperation {
  if (request.method !== "GET") return isObject(request.body) ? request.body : {};
  const params = new URLSearchParams(request.search);
  let extensions: unknown;
  try {
    extensions = params.has("extensions") ? JSON.parse(params.get("extensions")!) : undefined;
  } catch {
    extensions = undefined; // Apollo refuses it as it reads the request
  }
  return { query: params.get("query") ?? undefined, documentId: params.get("documentId") ?? undefined, extensions };
}

/** Hands Apollo the text to run in place of the id: its own persisted-query handling never sees one. */
export function runTextOverHttp(request: HTTPGraphQLRequest, text: string): void {
  if (request.method === "GET") {
    const params = new URLSearchParams(request.search);
    params.set("query", text);
    params.delete("documentId");
    const extensions = sentOverHttp(request).extensions;
    if (isObject(extensions)) {
      const { persistedQuery: _, ...rest } = extensions;
      if (Object.keys(rest).length > 0) params.set("extensions", JSON.stringify(rest));
      else params.delete("extensions");
    }
    request.search = `?${params.toString()}`;
    return;
  }
  const body = request.body as Record<string, unknown>;
  body.query = text;
  delete body.documentId;
  if (isObject(body.extensions)) {
    const { persistedQuery: _, ...rest } = body.extensions;
    body.extensions = rest;
  }
}
