import type { LoadResult } from "../lib/load";
import { interleaved, post, Side } from "../lib/peer-rounds";
import type { ProbeReply } from "../lib/server-probe";
import { startServer, ServerProcess } from "../lib/server-process";
import { ratio, round, Summary, summarize } from "../lib/stats";
import { Connected, disconnectAll, openAll } from "../lib/subscribers";
import { Figure, Scenario } from "../lib/types";
import { BenchWorkspace, seedWorkspaces } from "../seed";
import { SCENARIO_1_QUERY } from "./request-overhead";

const WORKSPACES = 50;
const PER_WORKSPACE = 20;
/** Workspaces whose `usageEvents` subscriber stops reading: one stalled subscriber in each of the first ten. */
const STALLED = 10;
/**
 * A stalled client reads nothing, so it never sees the server's pings, and graphql-ws cuts a
 * client that has not answered its ping by the next one (12 s, then 12 s more). A stalled client
 * therefore sends an unsolicited pong (which RFC 6455 allows, and which `ws` reports to the server
 * as any pong) this often: it stays connected and stalled for the whole run.
 */
const PONG_EVERY_MS = 5_000;

/** One subscriber: which workspace, which stream, and what it has received. */
interface Watcher {
  workspace: number;
  stream: "usageEvents" | "apiKeyUsage";
  stalled: boolean;
  connected: Connected;
  /** usageEvents: ids received (each event once). */
  ids: Set<string>;
  duplicates: number;
  /** apiKeyUsage: `usage.last30d` of each update after the opening snapshot. */
  values: number[];
  /** Messages about any key but its workspace's watched one (another workspace's above all). */
  strays: number;
}

const QUERIES = {
  usageEvents: "subscription($k: ID) { usageEvents(apiKeyId: $k) { id apiKeyId } }",
  apiKeyUsage: "subscription($k: ID) { apiKeyUsage(apiKeyId: $k) { apiKey { id } usage { last30d } } }",
};

/** The i-th subscriber: workspace i ÷ 20; the first of each workspace follows usageEvents (stalled in the first ten), the others apiKeyUsage. */
function watcher(connected: Connected, i: number): Watcher {
  const workspace = Math.floor(i / PER_WORKSPACE);
  const first = i % PER_WORKSPACE === 0;
  const stream = first ? "usageEvents" : "apiKeyUsage";
  return { workspace, stream, stalled: first && workspace < STALLED, connected, ids: new Set(), duplicates: 0, values: [], strays: 0 };
}

/** Starts the watcher's subscription; resolves on apiKeyUsage's opening snapshot (usageEvents sends nothing first: `untilRunning`). */
function subscribe(w: Watcher, own: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let snapshot = w.stream === "apiKeyUsage";
    if (!snapshot) resolve();
    w.connected.client.subscribe(
      { query: QUERIES[w.stream], variables: { k: own } },
      {
        next: ({ data }: any) => {
          const keyId = w.stream === "usageEvents" ? data.usageEvents.apiKeyId : data.apiKeyUsage.apiKey.id;
          if (keyId !== own) w.strays += 1;
          else if (snapshot) {
            snapshot = false; // the counters that open the stream are not an update
            resolve();
          } else if (w.stream === "apiKeyUsage") w.values.push(data.apiKeyUsage.usage.last30d);
          else if (w.ids.has(data.usageEvents.id)) w.duplicates += 1;
          else w.ids.add(data.usageEvents.id);
        },
        error: reject,
        complete: () => undefined,
      },
    );
  });
}

/** Stops the watcher reading its socket for good; an unsolicited pong every PONG_EVERY_MS keeps it connected. */
function stall(w: Watcher): void {
  const { socket } = w.connected;
  socket.pause();
  const pong = setInterval(() => socket.pong(), PONG_EVERY_MS);
  socket.once("close", () => clearInterval(pong));
}

/** `usageEvents` sends nothing at its start: the server's gauge of running subscriptions says when all have started. */
async function untilRunning(server: ServerProcess, count: number): Promise<void> {
  const metrics = server.url.replace(/\/graphql$/, "/metrics");
  const deadline = performance.now() + 60_000;
  for (;;) {
    const text = await (await fetch(metrics)).text();
    const running = Number(/^grantql_subscriptions_active (\d+)/m.exec(text)?.[1] ?? 0);
    if (running >= count) return;
    if (performance.now() > deadline) throw new Error(`${running} of ${count} subscriptions running after 60 s`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

/** Each watched key's 30-day counter once none has changed for 2 s (every buffered event flushed and counted). */
async function stableCounters(server: ServerProcess, workspaces: BenchWorkspace[]): Promise<number[]> {
  const read = () =>
    Promise.all(
      workspaces.map(
        async (w) =>
          (
            await post(
              { url: server.url, headers: { authorization: `Bearer ${w.adminToken}` } },
              `{ apiKey(id: "${w.watchedKeyId}") { usage { last30d } } }`,
            )
          ).apiKey.usage.last30d as number,
      ),
    );
  let values = await read();
  let since = performance.now();
  while (performance.now() - since < 2000) {
    await new Promise((res) => setTimeout(res, 250));
    const next = await read();
    if (next.some((v, i) => v !== values[i])) {
      values = next;
      since = performance.now();
    }
  }
  return values;
}

/** A reading subscriber has everything: every event of its key once, or its key's final counters. */
function complete(w: Watcher, final: number): boolean {
  return w.stream === "usageEvents" ? w.ids.size === final : w.values[w.values.length - 1] === final;
}

/** After a round: the share of reading subscribers that hold all their messages, once they have had 10 s to get them. */
async function completeShare(reading: Watcher[], finals: number[]): Promise<number> {
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline && reading.some((w) => !complete(w, finals[w.workspace])))
    await new Promise((res) => setTimeout(res, 100));
  const done = reading.filter((w) => complete(w, finals[w.workspace])).length;
  console.log(
    `    ${done}/${reading.length} reading subscribers hold all their messages (${sum(finals)} requests through watched keys so far)`,
  );
  return (100 * done) / reading.length;
}

/**
 * Scenario 5 spread over 50 workspaces of their own, with 10 subscribers that stop reading:
 * in each workspace 19 subscribers follow `apiKeyUsage` of the workspace's watched key and one
 * follows its `usageEvents` (every request, once) — in ten workspaces that one pauses its socket
 * and reads nothing for the whole run. Scenario 1's query runs through the fifty watched keys in
 * turn, against the same load through their fifty twin keys (same grants, nobody watches them),
 * on the same server with the same 1,000 sockets open: interleaved sliced rounds, as scenario 5.
 * After each round every reading subscriber must hold every event of its key, or its key's final
 * counters, and no subscriber may ever receive a message about another key; the server's V8 heap
 * after a forced GC (over the benchmark's own IPC probe) is compared before and after the rounds.
 */
export const stalledSubscribers: Scenario = {
  id: "5b",
  title: `${WORKSPACES * PER_WORKSPACE} subscribers over ${WORKSPACES} workspaces, ${STALLED} stalled, while scenario 1 runs through their keys`,
  async run(ctx) {
    const seeder = await startServer({ DATABASE_URL: ctx.databaseUrl, REDIS_URL: "", SIGNIN_IP_LOCK_AFTER: String(4 * WORKSPACES) });
    const workspaces = await seedWorkspaces(ctx.databaseUrl, seeder.url, WORKSPACES).finally(() => seeder.stop());
    // Each workspace's one member session watches from 20 sockets, over the default per-session cap of 10.
    const server = await startServer(
      { DATABASE_URL: ctx.databaseUrl, REDIS_URL: "", METRICS_PUBLIC: "true", WS_MAX_SOCKETS_PER_SESSION: "100" },
      { probe: true },
    );
    const body = JSON.stringify({ query: SCENARIO_1_QUERY });
    const side = (name: string, secret: (w: BenchWorkspace) => string): Side => ({
      name,
      url: server.url,
      body,
      headers: {},
      rotateHeaders: workspaces.map((w) => ({ authorization: `Bearer ${secret(w)}` })),
    });
    const watched = side("watched keys", (w) => w.watchedSecret);
    const twins = side("twin keys", (w) => w.twinSecret);
    const tokens = workspaces.flatMap((w) => Array<string>(PER_WORKSPACE).fill(w.adminToken));
    const connected: Connected[] = [];
    const watchers: Watcher[] = [];
    const delivered: number[] = [];
    let before: ProbeReply;
    let after: ProbeReply;
    let rounds: { a: LoadResult; b: LoadResult }[];
    let finals: number[] = [];
    let empty: ProbeReply;
    try {
      empty = await server.probe!();
      const cuts = await openAll(
        server.url,
        tokens,
        (c, i) => {
          watchers[i] = watcher(c, i);
          return subscribe(watchers[i], workspaces[watchers[i].workspace].watchedKeyId);
        },
        connected,
      );
      // Stalled only now: a paused socket would not even read the close of a cut (see openAll).
      for (const w of watchers) if (w.stalled) stall(w);
      await untilRunning(server, tokens.length);
      if (cuts > 0)
        console.log(
          `    ${cuts} sockets cut as "signed out" while connecting (the session watch's race, see bench/lib/subscribers.ts) and opened again`,
        );
      before = await server.probe!();
      console.log(`    heap ${mib(empty.heapUsedBytes)} MiB with no subscriber, ${mib(before.heapUsedBytes)} MiB with ${watchers.length}`);
      const reading = watchers.filter((w) => !w.stalled);
      rounds = await interleaved(ctx, watched, twins, async () => {
        finals = await stableCounters(server, workspaces);
        delivered.push(await completeShare(reading, finals));
      });
      after = await server.probe!();
    } finally {
      await disconnectAll(connected);
      await server.stop();
    }
    return [
      ...figures(rounds, watchers, delivered, before, after, finals),
      one(
        `server heap after a forced GC with the ${watchers.length} subscribers open, before the load (none open: ${mib(empty.heapUsedBytes)} MiB)`,
        "MiB",
        mib(before.heapUsedBytes),
      ),
    ];
  },
};

function figures(
  rounds: { a: LoadResult; b: LoadResult }[],
  watchers: Watcher[],
  delivered: number[],
  before: ProbeReply,
  after: ProbeReply,
  finals: number[],
): Figure[] {
  const strays = sum(watchers.map((w) => w.strays + w.duplicates));
  const growth = mib(after.heapUsedBytes - before.heapUsedBytes);
  const stalled = watchers.filter((w) => w.stalled);
  // Every apiKeyUsage reader of a key is woken by the same coalesced changes: each must have them all.
  const most = new Map<number, number>();
  for (const w of watchers) if (w.stream === "apiKeyUsage") most.set(w.workspace, Math.max(most.get(w.workspace) ?? 0, w.values.length));
  const usageReaders = watchers.filter((w) => w.stream === "apiKeyUsage");
  const fullUpdates = (100 * usageReaders.filter((w) => w.values.length === most.get(w.workspace)).length) / usageReaders.length;
  const pct = summarize(delivered);
  return [
    ratio(
      "5b",
      "requests/s through watched keys ÷ through their unwatched twins (same server and sockets)",
      summarize(rounds.map((r) => r.a.requestsPerSecond / r.b.requestsPerSecond)),
      ["≥", 0.9],
      "each request's event is executed and sent to its workspace's usageEvents subscriber and each key's counters once a second " +
        "to 19 apiKeyUsage subscribers, parsed by the benchmark's 1,000 clients, all on the same two cores as the loaded server",
    ),
    one("p99 latency through watched keys ÷ twins", "×", summarize(rounds.map((r) => r.a.p99 / Math.max(r.b.p99, 1)))),
    one("reading subscribers holding all their messages after each round", "%", pct, ["100", pct.min === 100]),
    one("apiKeyUsage readers with every update any reader of their key got", "%", fullUpdates, ["100", fullUpdates === 100]),
    one("messages about another key (another workspace's) or received twice", "messages", strays, ["0", strays === 0]),
    one("server heap after a forced GC: after the rounds − before (stalled subscribers' queues included)", "MiB", growth, [
      "≤ 50",
      growth <= 50,
    ]),
    one(
      `payloads waiting in the fullest subscriber queue at the end (${sum(stalled.map((w) => finals[w.workspace]))} events for the ${stalled.length} stalled)`,
      "payloads",
      after.queued.deepest,
    ),
  ];
}

/** A figure of scenario 5b: one measurement or a summary of rounds, with its target and whether it is met. */
function one(name: string, unit: string, value: number | Summary, [target, met]: [string?, boolean?] = []): Figure {
  const summary = typeof value === "number" ? summarize([value]) : value;
  return { scenario: "5b", name, unit, summary, ...(target === undefined ? {} : { target, met }) };
}

const sum = (values: number[]) => values.reduce((n, v) => n + v, 0);
const mib = (bytes: number) => round(bytes / 2 ** 20, 1);
