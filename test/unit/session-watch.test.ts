import type { WebSocket } from "ws";
import type { MemberPrincipal } from "../../src/auth/principal";
import { systemClock } from "../../src/common/clock";
import { createLogger } from "../../src/logger";
import { SessionWatch } from "../../src/server/session-watch";

const principal = (sessionId: string) =>
  ({ kind: "MEMBER", sessionId, sessionExpiresAt: new Date(Date.now() + 3_600_000) }) as unknown as MemberPrincipal;

/** A socket that records how it was closed. */
function socket() {
  const closed: { code?: number; reason?: string } = {};
  return { closed, ws: { close: (code: number, reason: string) => Object.assign(closed, { code, reason }) } as unknown as WebSocket };
}

/** The watch's reads of open sessions, each answered by the test when it chooses. */
function sessionReads() {
  const reads: { ids: string[]; answer: (open: Set<string>) => void }[] = [];
  let told: () => void = () => undefined;
  return {
    open: (ids: string[]) =>
      new Promise<Set<string>>((answer) => {
        reads.push({ ids, answer });
        told();
      }),
    next: async () => {
      const count = reads.length;
      while (reads.length === count) await new Promise<void>((resolve) => (told = resolve));
      return reads[count];
    },
  };
}

it("a socket added while the watch reads sessions is not ended for a session the read did not ask about", async () => {
  const reads = sessionReads();
  const watch = new SessionWatch(reads.open, systemClock, createLogger("silent"), 10);
  const first = socket();
  const second = socket();
  watch.add(first.ws, principal("session-1"));
  const read = await reads.next();
  expect(read.ids).toEqual(["session-1"]);
  watch.add(second.ws, principal("session-2")); // joins while the read of session-1 is under way
  read.answer(new Set(["session-1"]));
  // The next read asks about both; the second socket was left alone by the first.
  const again = await reads.next();
  expect(second.closed).toEqual({});
  expect(first.closed).toEqual({});
  expect(again.ids.sort()).toEqual(["session-1", "session-2"]);
  again.answer(new Set(["session-1"]));
  await reads.next();
  expect(second.closed).toEqual({ code: 4401, reason: "Unauthorized: signed out" });
  expect(first.closed).toEqual({});
  watch.stop();
});
