import { ApolloServerPlugin, HeaderMap } from "@apollo/server";
import { RequestContext } from "./context";
import { plannedResponse } from "./planned-response";
import { RETRY_AFTER_SECONDS } from "./request-outcome";
import { RequestPipeline } from "./request-pipeline";

/**
 * Apollo's side of the request pipeline: the operation checks once the document is parsed and
 * validated (a refusal means no resolver runs and nothing is written); a query the read path (or a create)
 * covers fully answered with the `data` text PostgreSQL built (spliced when written); once the answer is
 * formatted, its cost settled (`extensions.cost`), its size bound (an answer over it is replaced by
 * the refusal, 400), the request's one outcome, and the credit of a 503 given back. An answer whose errors read SERVICE_UNAVAILABLE goes out as 503 with `Retry-After`.
 */
export function pipelinePlugin(pipeline: RequestPipeline): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      return {
        async didResolveOperation({ document, operation, request }) {
          if (!operation) return; // Apollo itself refuses a document without a runnable operation
          pipeline.checkOperation(contextValue.request, document, operation, request.variables);
          const spending = pipeline.spend(contextValue.request);
          if (spending) await spending;
        },
        async responseForOperation({ document, operation, schema }) {
          if (!operation) return null; // Apollo answers a document without a runnable operation
          const data = await plannedResponse(schema, contextValue.services, contextValue.request, document, operation, contextValue);
          if (!data) return null;
          return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: "single", singleResult: { data: data as never } } };
        },
        async willSendResponse({ response }) {
          if (response.body.kind === "single") {
            const result = response.body.singleResult;
            // The cost first: the size bound then measures the text that is sent, written once.
            const settling = pipeline.settle(contextValue.request, result.data);
            const cost = settling instanceof Promise ? await settling : settling;
            if (cost) result.extensions = result.extensions ? { ...result.extensions, cost } : { cost };
            const refusal = pipeline.responses.check(result);
            if (refusal) {
              response.body.singleResult = { errors: [pipeline.format(refusal)], ...(cost ? { extensions: { cost } } : {}) };
              response.http.status = 400;
            }
          }
          const errors = response.body.kind === "single" ? response.body.singleResult.errors : undefined;
          const outcome = pipeline.finish(contextValue.request, errors, response.http.status ?? 200);
          if (outcome.status === 503) {
            response.http.status = 503;
            response.http.headers.set("retry-after", String(RETRY_AFTER_SECONDS));
          }
          const refunding = pipeline.refund(contextValue.request, outcome.status);
          if (refunding) await refunding;
        },
      };
    },
  };
}
