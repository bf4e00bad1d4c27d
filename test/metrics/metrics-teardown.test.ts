import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { eventually } from "../support/eventually";
import { startTestServer } from "../support/server";

// A full collection on demand, without starting jest with --expose-gc.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Starts and stops a server; returns weak references to its database connection and services, nothing strong. */
async function startAndStop(): Promise<WeakRef<object>[]> {
  const server = await startTestServer();
  const refs = [new WeakRef(server.dataSource), new WeakRef(server.services)];
  await server.stop();
  return refs;
}

it("a stopped server leaves nothing running that holds it: its database and services can be collected", async () => {
  // Before: the process metrics' event-loop delay monitor and GC observer, never stopped, held every
  // stopped server (and with it each test file's modules, so a jest worker grew past 1 GB and was
  // force-exited at the end of the run).
  const refs = await startAndStop();
  // Sockets and pools finish closing on their own turns: collect again until they have, for at most 5 s.
  const collected = await eventually(
    async () => {
      gc();
      return refs.map((r) => r.deref() === undefined);
    },
    (c) => c.every(Boolean),
    5000,
  );
  expect(collected).toEqual([true, true]);
});
