import type { UsageRecorder } from "../usage/usage-recorder";
import { UsageOutcome } from "../usage/usage-event";
import type { FinishedRequest, OutcomeListener } from "./request-pipeline";

/**
 * Meters every request made with a valid API key, on either transport, whatever its outcome (a
 * rate-limited or refused one included), from the request's one outcome and timer. A request
 * presenting an expired or revoked key is stored as REJECTED (streamed to security staff, never
 * counted as usage). Member sessions are not metered. Recording is an in-memory append: nothing
 * here waits for the database.
 */
export function meteringListener(recorder: () => UsageRecorder): OutcomeListener {
  return (request) => {
    const { operationType, operationName } = operationOf(request);
    if (request.rejectedKey) {
      const key = request.rejectedKey;
      recorder().record({ workspaceId: key.workspaceId, apiKeyId: key.id, operationType, operationName, outcome: UsageOutcome.REJECTED });
      return;
    }
    const principal = request.principal;
    if (principal?.kind !== "API_KEY") return;
    recorder().record({
      workspaceId: principal.workspaceId,
      apiKeyId: principal.apiKeyId,
      operationType,
      operationName,
      resources: request.analysis?.resources ?? [],
      outcome: request.outcome.usage,
      durationMs: request.durationMs,
      clientAddress: request.meta.ip,
    });
  };
}

/** The operation as analysed, else as the raw request said (a refusal before parsing). */
function operationOf(request: FinishedRequest): { operationType: string; operationName: string | null } {
  if (request.operation) return { operationType: request.operation.type, operationName: request.operation.name };
  const named = /^\s*(?:#[^\n]*\n\s*)*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(request.raw.query ?? "");
  return {
    operationType: request.raw.operationType ?? guessOperationType(request.raw.query),
    operationName: request.raw.operationName ?? named?.[1] ?? null,
  };
}

/**
 * The operation type of a document that was never parsed (a parse failure, a refused key): the
 * first keyword, `query` for the `{ … }` shorthand. Only for metering; never for a decision.
 */
export function guessOperationType(query: string | undefined): string {
  const match = /^\s*(?:#[^\n]*\n\s*)*(query|mutation|subscription)\b/.exec(query ?? "");
  return match?.[1] ?? "query";
}

/** What a request said it was, read from the raw HTTP request (body or GET query), before parsing. */
export function requestOperation(req: { body?: unknown; url?: string }): { query?: string; operationName?: string } {
  const body = req.body as { query?: unknown; operationName?: unknown } | undefined;
  if (body && typeof body === "object") {
    return {
      query: typeof body.query === "string" ? body.query : undefined,
      operationName: typeof body.operationName === "string" ? body.operationName : undefined,
    };
  }
  const params = new URL(req.url ?? "/", "http://localhost").searchParams;
  return { query: params.get("query") ?? undefined, operationName: params.get("operationName") ?? undefined };
}
