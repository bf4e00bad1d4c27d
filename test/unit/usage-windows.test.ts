import fc from "fast-check";
import { HOUR_MS, MINUTE_MS, planWindows, WINDOWS } from "../../src/usage/usage-windows";
import { guessOperationType } from "../../src/server/metering-listener";
import { requestOutcome } from "../../src/server/request-outcome";

describe("usage windows", () => {
  it("each window is the minute buckets (now's minute − length, now's minute], split into minute edges and whole hours", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date("2020-01-01"), max: new Date("2030-01-01"), noInvalidDate: true }), (now) => {
        const plan = planWindows(now);
        const end = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
        expect(plan.end.getTime()).toBe(end);
        expect(plan.tailFrom.getTime() % HOUR_MS).toBe(0);
        for (const [name, length] of Object.entries(WINDOWS) as [keyof typeof WINDOWS, number][]) {
          const w = plan.windows[name];
          expect(w.headFrom.getTime()).toBe(end - length + MINUTE_MS);
          expect(w.hoursFrom.getTime() % HOUR_MS).toBe(0);
          expect(w.headTo.getTime() - w.headFrom.getTime()).toBeLessThan(HOUR_MS);
          expect(w.headTo.getTime()).toBeGreaterThanOrEqual(w.headFrom.getTime());
          // Minutes covered: head + whole hours + tail = exactly length / 1 min buckets.
          const minutes =
            (w.headTo.getTime() - w.headFrom.getTime() + plan.tailFrom.getTime() - w.hoursFrom.getTime() + end - plan.tailFrom.getTime()) /
              MINUTE_MS +
            1;
          expect(minutes).toBe(length / MINUTE_MS);
        }
      }),
    );
  });
});

describe("metering outcome", () => {
  const error = (code?: string) => ({ message: "x", ...(code ? { extensions: { code } } : {}) });
  it.each([
    [[], "ALLOWED"],
    [[error("NOT_FOUND")], "ALLOWED"],
    [[error("FORBIDDEN")], "FORBIDDEN"],
    [[error("GRAPHQL_VALIDATION_FAILED")], "INVALID"],
    [[error("BAD_USER_INPUT")], "INVALID"],
    [[error()], "ERROR"],
    [[error("SERVICE_UNAVAILABLE")], "ERROR"],
    [[error("BAD_USER_INPUT"), error("RATE_LIMITED")], "RATE_LIMITED"],
  ])("errors %j → %s", (errors, outcome) => {
    expect(requestOutcome(errors).usage).toBe(outcome);
  });

  it.each([
    ["{ viewer { kind } }", "query"],
    ["# comment\n mutation M { signOut }", "mutation"],
    ["subscription { usageEvents { id } }", "subscription"],
    ["", "query"],
  ])("%j is a %s", (query, type) => expect(guessOperationType(query)).toBe(type));
});
