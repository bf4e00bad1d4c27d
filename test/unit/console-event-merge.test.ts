import { mergeEvents, UsageEventRow } from "../../src/console/client/event-merge";

const event = (id: string, occurredAt: string, outcome = "ALLOWED"): UsageEventRow => ({
  id,
  occurredAt,
  operationType: "query",
  operationName: id,
  resources: [],
  outcome,
  durationMs: 1,
});

describe("the console's events table merge", () => {
  it("keeps each event once, newest first, whether it came from the log or the stream", () => {
    const shown = [event("c", "2026-01-01T00:00:03.000Z"), event("a", "2026-01-01T00:00:01.000Z")];
    // A re-read of the log after a reconnect overlaps what the stream already delivered.
    const reread = [event("d", "2026-01-01T00:00:04.000Z"), event("c", "2026-01-01T00:00:03.000Z"), event("b", "2026-01-01T00:00:02.000Z")];
    expect(mergeEvents(shown, reread).map((e) => e.id)).toEqual(["d", "c", "b", "a"]);
  });

  it("orders events of the same instant by id, descending, as the API pages them", () => {
    const at = "2026-01-01T00:00:00.000Z";
    expect(mergeEvents([event("1", at)], [event("3", at), event("2", at)]).map((e) => e.id)).toEqual(["3", "2", "1"]);
  });

  it("returns the current list unchanged in content when nothing new arrives", () => {
    const shown = [event("x", "2026-01-01T00:00:00.000Z")];
    expect(mergeEvents(shown, [])).toEqual(shown);
  });
});
