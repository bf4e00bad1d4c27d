import { ApolloServerPlugin } from "@apollo/server";
import { authorize } from "../auth/authorize";
import { OperationAnalyzer } from "../auth/operation-analysis";
import { GraphQLContext } from "./context";

/**
 * Decides each operation once, after it is parsed and validated and before anything executes:
 * a refusal means no resolver runs and nothing is written. The analysis stays on the context for
 * metering.
 */
export function authorizationPlugin(analyzer: OperationAnalyzer): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, operation, request }) {
          if (!operation) return; // Apollo itself refuses a document without a runnable operation
          const analysis = analyzer.analyze(document, operation, request.variables);
          contextValue.analysis = analysis;
          const refusal = authorize(contextValue.principal, analysis);
          if (refusal) throw refusal;
        },
      };
    },
  };
}
