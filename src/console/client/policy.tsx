import { useEffect, useState } from "react";
import type { FieldError } from "./api";
import { useSession } from "./session";

/** The workspace policy (docs/API.md, "Workspace policy"), as `workspacePolicy` answers it. */
export interface WorkspacePolicy {
  maxKeyLifetimeDays: number | null;
  requireExpiry: boolean;
  requireAllowedCidrs: boolean;
  requireTrustedOperations: boolean;
}

export const POLICY_FIELDS = "maxKeyLifetimeDays requireExpiry requireAllowedCidrs requireTrustedOperations";
export const POLICY = `query ConsolePolicy { workspacePolicy { ${POLICY_FIELDS} } }`;

/** The three switches, with the words the Policy page and its readers use. */
export const POLICY_SWITCHES: { name: "requireExpiry" | "requireAllowedCidrs" | "requireTrustedOperations"; label: string }[] = [
  { name: "requireExpiry", label: "Require an expiry date on every key" },
  { name: "requireAllowedCidrs", label: "Require allowed addresses on every key" },
  { name: "requireTrustedOperations", label: "Require trusted operations on every key" },
];
export const MAX_LIFETIME_LABEL = "Maximum key lifetime (days)";

/** What a key breaking one policy (a name of `ApiKey.policyViolations`) is told, in words. */
export function violationText(name: string, policy: WorkspacePolicy | null): string {
  switch (name) {
    case "maxKeyLifetimeDays":
      return policy?.maxKeyLifetimeDays
        ? `Lives longer than the ${policy.maxKeyLifetimeDays} days the policy allows, or never expires`
        : "Lives longer than the policy allows";
    case "requireExpiry":
      return "Has no expiry date, which the policy requires";
    case "requireAllowedCidrs":
      return "Has no allowed addresses, which the policy requires";
    case "requireTrustedOperations":
      return "Is not held to trusted operations, which the policy requires";
    default:
      return "Breaks a workspace policy";
  }
}

/** A policy refusal reads beside its field as "Expiry date is refused: the workspace policy requires …". */
export function wordedForPolicy(error: FieldError): FieldError {
  return error.policy ? { ...error, message: `is refused: ${error.message}` } : error;
}

/** The key's fields a policy refusal can name (`input.` on create and update, bare on rotation), in words. */
const POLICY_FIELD_LABELS: Record<string, string> = {
  expiresAt: "Expiry date",
  allowedCidrs: "Allowed addresses",
  trustedOperationIds: "Trusted operations",
};

/**
 * Policy refusals of fields this form does not show (`shown`: the fields it has, e.g.
 * `input.expiresAt`), as one alert: allowed addresses are set over the API, and a rotation shows
 * none of the key's fields, so without this such a refusal would say nothing.
 */
export function PolicyErrorsElsewhere({ errors, shown }: { errors: FieldError[]; shown: string[] }) {
  const elsewhere = errors.filter((e) => e.policy && !shown.some((field) => e.field === field || e.field.startsWith(`${field}.`)));
  if (elsewhere.length === 0) return null;
  return (
    <div className="field-error" role="alert">
      {elsewhere.map((e) => (
        <p key={e.field}>
          {POLICY_FIELD_LABELS[e.field.replace(/^input\./, "").split(".")[0]] ?? e.field} {e.message}.
        </p>
      ))}
    </div>
  );
}

/** The workspace policy, read once for the component that shows it; null until (or unless) it arrives. */
export function useWorkspacePolicy(): WorkspacePolicy | null {
  const { call } = useSession();
  const [policy, setPolicy] = useState<WorkspacePolicy | null>(null);
  useEffect(() => {
    let current = true;
    call<{ workspacePolicy: WorkspacePolicy }>(POLICY).then(
      ({ workspacePolicy }) => current && setPolicy(workspacePolicy),
      () => undefined, // the notice is a courtesy: the API still refuses what the policy forbids
    );
    return () => {
      current = false;
    };
  }, [call]);
  return policy;
}

/** What the policy demands of a new key, said before the form is filled (nothing when it demands nothing). */
export function PolicyNotice() {
  const policy = useWorkspacePolicy();
  if (!policy) return null;
  const demands = [
    policy.maxKeyLifetimeDays !== null && `expire within ${policy.maxKeyLifetimeDays} days`,
    policy.requireExpiry && policy.maxKeyLifetimeDays === null && "have an expiry date",
    policy.requireTrustedOperations && "be held to trusted operations",
    policy.requireAllowedCidrs && "have allowed addresses (set over the API: allowedCidrs)",
  ].filter(Boolean);
  if (demands.length === 0) return null;
  const said = demands.length > 1 ? `${demands.slice(0, -1).join(", ")} and ${demands.at(-1)}` : demands[0];
  return <p className="notice">The workspace policy requires every new key to {said}.</p>;
}
