import type { OutcomeListener } from "./request-pipeline";
import type { Metrics } from "../metrics/metrics";
import { outcomeLabel } from "../metrics/metrics";

/**
 * Request counts, outcomes and latency for every operation on either transport, and
 * authentication failures, from the request's one outcome and timer.
 */
export function metricsListener(metrics: Metrics): OutcomeListener {
  return (request) => {
    const { outcome } = request;
    metrics.requestFinished(
      request.transport,
      request.operation?.type ?? request.raw.operationType,
      outcomeLabel(outcome.codes[0]),
      request.durationMs / 1000,
    );
    if (outcome.authFailure !== undefined) metrics.authFailed(request.transport, outcome.authFailure);
  };
}
