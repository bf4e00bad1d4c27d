import type { Principal } from "../../src/auth/principal";
import type { AppOptions } from "../../src/server/app";
import type { RequestSteps } from "../../src/server/request-pipeline";
import type { Services } from "../../src/services";

/** Request-path features the benchmark server can switch off, to measure what each costs. */
export const BENCH_FEATURES = ["auth", "permissions", "metering"] as const;
export type BenchFeature = (typeof BENCH_FEATURES)[number];

/** `BENCH_DISABLE=auth,permissions,metering`, read by the benchmark's entry point only. */
export function parseBenchDisable(raw: string | undefined): Set<BenchFeature> {
  const parts = (raw ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  for (const part of parts) {
    if (!(BENCH_FEATURES as readonly string[]).includes(part))
      throw new Error(`BENCH_DISABLE must list only ${BENCH_FEATURES.join(", ")} (got ${JSON.stringify(raw)})`);
  }
  return new Set(parts as BenchFeature[]);
}

/**
 * The steps the benchmark swaps into `createApp`: with `auth` off each distinct Authorization
 * header is verified once and its principal reused for good (no expiry, revocation or rate-limit
 * check); with `permissions` off every operation is allowed; with `metering` off nothing is recorded.
 */
export function benchComposition(disabled: ReadonlySet<BenchFeature>, services: Services): NonNullable<AppOptions["composition"]> {
  const steps: Partial<RequestSteps> = {};
  if (disabled.has("auth")) {
    steps.authenticate = cachedAuthentication(services);
    steps.rateLimit = () => undefined;
  }
  if (disabled.has("permissions")) steps.authorize = () => null;
  return { steps, metering: !disabled.has("metering") };
}

function cachedAuthentication(services: Services): RequestSteps["authenticate"] {
  const principals = new Map<string, Promise<Principal | null>>();
  return (header) => {
    const key = typeof header === "string" ? header : "";
    let principal = principals.get(key);
    if (!principal) {
      principal = services.verifier.verify(header).then((v) => (v.ok ? v.principal : null));
      principals.set(key, principal);
    }
    return principal;
  };
}
