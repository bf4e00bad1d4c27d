import { GraphQLError } from "graphql";
import { forbidden, unauthenticated } from "../common/errors";
import { OperationAnalysis } from "./operation-analysis";
import { Principal } from "./principal";
import { grantNames } from "./resource";

/**
 * The one decision: may this principal run this operation? Null when it may, else the error to
 * answer with, before any resolver runs.
 */
export function authorize(principal: Principal | null, analysis: OperationAnalysis): GraphQLError | null {
  if (!principal) return analysis.requiresPrincipal ? unauthenticated("MISSING") : null;
  if (analysis.memberRoles) {
    if (principal.kind === "API_KEY") return forbidden("API keys cannot run this operation; sign in as a member");
    if (!analysis.memberRoles.has(principal.role)) {
      return forbidden(`Your role (${principal.role}) may not run this operation`);
    }
  }
  const missing = analysis.needed & ~principal.grants;
  if (missing !== 0) {
    const names = grantNames(missing);
    return forbidden(`Missing permission${names.length > 1 ? "s" : ""}: ${names.join(", ")}`, names);
  }
  return null;
}
