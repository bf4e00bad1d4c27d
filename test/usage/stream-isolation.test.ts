import fc from "fast-check";
import WebSocket from "ws";
import { createKey, signUp } from "../support/factories";
import { eventually } from "../support/eventually";
import { startTestServer, TestServer, whenRunning } from "../support/server";

/*
 * What docs/API.md promises of streams ("Streams"), checked against a plain model: fast-check draws
 * workspaces, subscribers (their stream, filters, which instance they are connected to, some of
 * them reading slowly) and bursts of alerts, usage events and counter changes published on either
 * instance; every subscriber, over a real graphql-ws socket, must receive exactly the messages the
 * model addresses to it, once, in the order each instance published them, and nothing else.
 * Messages are published where the domain publishes them (the alert service, the bus's usage
 * topics), in bursts of one turn of the event loop, so no subscriber is waiting when most arrive.
 */

const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const KINDS = ["USAGE_SPIKE", "FORBIDDEN_BURST", "NEW_CLIENT_ADDRESS"] as const;
const OUTCOMES = ["ALLOWED", "FORBIDDEN", "REJECTED"] as const;
const TENANTS = 5;

interface Tenant {
  workspaceId: string;
  token: string;
  keys: [string, string];
}

type Field = "securityAlerts" | "usageEvents" | "apiKeyUsage";

interface SubscriberSpec {
  tenant: number;
  field: Field;
  instance: number;
  /** Index of the tenant's key the subscription names, or none. */
  key: number | null;
  kinds: (typeof KINDS)[number][] | null;
  outcomes: (typeof OUTCOMES)[number][] | null;
  slow: boolean;
}

type Action =
  | { type: "alert"; instance: number; tenant: number; key: number; kind: (typeof KINDS)[number] }
  | { type: "events"; instance: number; tenant: number; events: { key: number; outcome: (typeof OUTCOMES)[number] }[] }
  | { type: "changed"; instance: number; tenant: number; keys: number[] };

/** One message as the model and the subscriber see it: its id says which instance published it. */
interface Seen {
  id: string;
  origin: number;
}

const subset = <T>(values: readonly T[]) => fc.option(fc.subarray([...values], { minLength: 1 }), { nil: null });

function scenario(instances: number) {
  const instance = fc.integer({ min: 0, max: instances - 1 });
  return fc.integer({ min: 2, max: TENANTS }).chain((workspaces) => {
    const tenant = fc.integer({ min: 0, max: workspaces - 1 });
    const key = fc.integer({ min: 0, max: 1 });
    const subscriber: fc.Arbitrary<SubscriberSpec> = fc.record({
      tenant,
      field: fc.constantFrom<Field>("securityAlerts", "usageEvents", "apiKeyUsage"),
      instance,
      key: fc.option(key, { nil: null }),
      kinds: subset(KINDS),
      outcomes: subset(OUTCOMES),
      slow: fc.boolean(),
    });
    const action: fc.Arbitrary<Action> = fc.oneof(
      fc.record({ type: fc.constant("alert" as const), instance, tenant, key, kind: fc.constantFrom(...KINDS) }),
      fc.record({
        type: fc.constant("events" as const),
        instance,
        tenant,
        events: fc.array(fc.record({ key, outcome: fc.constantFrom(...OUTCOMES) }), { minLength: 1, maxLength: 5 }),
      }),
      fc.record({ type: fc.constant("changed" as const), instance, tenant, keys: fc.subarray([0, 1], { minLength: 1 }) }),
    );
    return fc.record({
      workspaces: fc.constant(workspaces),
      // 1–4 subscribers per workspace, each workspace with at least one.
      subscribers: fc
        .array(fc.array(subscriber, { minLength: 1, maxLength: 4 }), { minLength: workspaces, maxLength: workspaces })
        .map((lists) => lists.flatMap((list, index) => list.map((s) => ({ ...s, tenant: index })))),
      bursts: fc.array(fc.array(action, { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 4 }),
    });
  });
}

/** A subscription's text: a named operation of its own, with its filters as variables. */
function subscriptionOf(spec: SubscriberSpec, index: number, tenant: Tenant): { query: string; variables: Record<string, unknown> } {
  const apiKeyId = spec.key === null ? null : tenant.keys[spec.key];
  switch (spec.field) {
    case "securityAlerts":
      return {
        query: `subscription Alerts${index}($kinds: [SecurityAlertKind!]) { securityAlerts(kinds: $kinds) { id kind apiKey { id } } }`,
        variables: { kinds: spec.kinds },
      };
    case "usageEvents":
      return {
        query: `subscription Events${index}($apiKeyId: ID, $outcomes: [UsageOutcome!]) { usageEvents(apiKeyId: $apiKeyId, outcomes: $outcomes) { id apiKeyId outcome } }`,
        variables: { apiKeyId, outcomes: spec.outcomes },
      };
    case "apiKeyUsage":
      return {
        query: `subscription Usage${index}($apiKeyId: ID) { apiKeyUsage(apiKeyId: $apiKeyId) { apiKey { id } usage { last24h } } }`,
        variables: { apiKeyId },
      };
  }
}

/** One subscriber on a socket of its own, collecting what arrives; `pause` stops reading the socket. */
class Subscriber {
  readonly received: { data: any; errors?: unknown; dropped?: number }[] = [];
  private constructor(private readonly socket: WebSocket) {}

  static async open(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<Subscriber> {
    const socket = new WebSocket(url, "graphql-transport-ws");
    const subscriber = new Subscriber(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } })));
      socket.on("message", (raw) => {
        const message = JSON.parse(String(raw));
        if (message.type === "connection_ack") {
          socket.send(JSON.stringify({ type: "subscribe", id: "1", payload: { query, variables } }));
          resolve();
        } else if (message.type === "next")
          subscriber.received.push({
            data: message.payload.data,
            errors: message.payload.errors,
            dropped: message.payload.extensions?.dropped,
          });
        else if (message.type === "error") subscriber.received.push({ data: null, errors: message.payload });
      });
    });
    return subscriber;
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once("close", () => resolve());
      this.socket.close(1000);
    });
  }
}

/** What the model says each subscriber must receive: ids in publish order, or for apiKeyUsage the keys it must hear of. */
function expectedFor(spec: SubscriberSpec, tenant: Tenant, published: { action: Action; ids: string[] }[]): Seen[] | Set<string> {
  if (spec.field === "apiKeyUsage") {
    const keys = new Set<string>();
    if (spec.key !== null) keys.add(tenant.keys[spec.key]);
    for (const { action } of published) {
      if (action.type !== "changed" || action.tenant !== spec.tenant) continue;
      for (const k of action.keys) if (spec.key === null || spec.key === k) keys.add(tenant.keys[k]);
    }
    return keys;
  }
  const seen: Seen[] = [];
  for (const { action, ids } of published) {
    if (action.tenant !== spec.tenant) continue;
    if (spec.field === "securityAlerts" && action.type === "alert") {
      if (!spec.kinds || spec.kinds.includes(action.kind)) seen.push({ id: ids[0], origin: action.instance });
    }
    if (spec.field === "usageEvents" && action.type === "events") {
      action.events.forEach((event, i) => {
        if ((spec.key === null || spec.key === event.key) && (!spec.outcomes || spec.outcomes.includes(event.outcome)))
          seen.push({ id: ids[i], origin: action.instance });
      });
    }
  }
  return seen;
}

/** Publishes one action where the domain would, on the instance the action names; returns the ids of what it published. */
function publish(servers: TestServer[], tenants: Tenant[], action: Action, nextId: () => string): string[] {
  const server = servers[action.instance];
  const tenant = tenants[action.tenant];
  const tag = (id: string) => `${action.instance}:${id}`;
  switch (action.type) {
    case "alert": {
      const id = tag(nextId());
      server.services.alerts.service.publish([
        {
          id,
          workspaceId: tenant.workspaceId,
          apiKeyId: tenant.keys[action.key],
          kind: action.kind as never,
          occurredAt: new Date().toISOString(),
          message: `alert ${id}`,
          details: null,
        },
      ]);
      return [id];
    }
    case "events": {
      const events = action.events.map((event) => ({
        id: tag(nextId()),
        workspaceId: tenant.workspaceId,
        apiKeyId: tenant.keys[event.key],
        occurredAt: new Date(),
        operationType: "query",
        operationName: null,
        resources: [],
        outcome: event.outcome as never,
        durationMs: 1,
      }));
      server.services.bus.publish("grantql.usage.events", { events }, tenant.workspaceId);
      return events.map((event) => event.id);
    }
    case "changed":
      server.services.bus.publish("grantql.usage.changed", { apiKeyIds: action.keys.map((k) => tenant.keys[k]) }, tenant.workspaceId);
      return [];
  }
}

/**
 * At the end, each instance publishes to each workspace one message of every kind, key and
 * outcome, which every subscriber of that workspace expects: once a subscriber has all it
 * expects, it has each instance's last message, and anything misrouted to it before that would
 * already be there.
 */
function closingRound(instances: number, workspaces: number): Action[] {
  const actions: Action[] = [];
  for (let instance = 0; instance < instances; instance++)
    for (let tenant = 0; tenant < workspaces; tenant++) {
      for (const kind of KINDS) actions.push({ type: "alert", instance, tenant, key: 0, kind });
      actions.push({
        type: "events",
        instance,
        tenant,
        events: [0, 1].flatMap((key) => OUTCOMES.map((outcome) => ({ key, outcome }))),
      });
    }
  return actions;
}

function idsOf(spec: SubscriberSpec, subscriber: Subscriber): Seen[] {
  return subscriber.received
    .map((message) => message.data?.[spec.field])
    .filter((value) => value)
    .map((value) => ({ id: String(value.id), origin: Number(String(value.id).split(":")[0]) }));
}

async function runScenario(
  servers: TestServer[],
  tenants: Tenant[],
  run: { workspaces: number; subscribers: SubscriberSpec[]; bursts: Action[][] },
): Promise<void> {
  const subscribers: Subscriber[] = [];
  try {
    for (const [index, spec] of run.subscribers.entries()) {
      const server = servers[spec.instance];
      const { query, variables } = subscriptionOf(spec, index, tenants[spec.tenant]);
      let opening: Promise<Subscriber> | undefined;
      try {
        subscribers.push(
          await whenRunning(server, () => {
            opening = Subscriber.open(server.wsUrl, tenants[spec.tenant].token, query, variables);
            return opening;
          }),
        );
      } catch (error) {
        const sub = await opening;
        throw new Error(`${String(error)}: ${JSON.stringify(sub?.received)}`);
      }
    }
    // With Redis, each instance hears the others' messages once its SUBSCRIBE is confirmed.
    await Promise.all(servers.map((server) => server.services.bus.settled()));
    run.subscribers.forEach((spec, i) => spec.slow && subscribers[i].pause());
    let seq = 0;
    const nextId = () => String(++seq);
    const published: { action: Action; ids: string[] }[] = [];
    for (const burst of run.bursts) {
      for (const action of burst) published.push({ action, ids: publish(servers, tenants, action, nextId) });
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (const action of closingRound(servers.length, run.workspaces))
      published.push({ action, ids: publish(servers, tenants, action, nextId) });
    subscribers.forEach((subscriber) => subscriber.resume());

    for (const [i, spec] of run.subscribers.entries()) {
      const tenant = tenants[spec.tenant];
      const expected = expectedFor(spec, tenant, published);
      const subscriber = subscribers[i];
      const label = `subscriber ${i} (${spec.field} of workspace ${spec.tenant} on instance ${spec.instance}${spec.slow ? ", slow" : ""})`;
      if (expected instanceof Set) {
        // apiKeyUsage merges changes within a second: each key it must hear of, at least once; nothing else.
        const heard = await eventually(
          async () => new Set(subscriber.received.map((m) => m.data?.apiKeyUsage?.apiKey?.id)),
          (keys) => [...expected].every((k) => keys.has(k)),
          5000,
        );
        expect({ label, errors: subscriber.received.filter((m) => m.errors) }).toEqual({ label, errors: [] });
        expect({ label, heard: [...heard].sort() }).toEqual({ label, heard: [...expected].sort() });
        continue;
      }
      await eventually(
        async () => subscriber.received.length,
        (n) => n >= expected.length,
        5000,
      );
      const got = idsOf(spec, subscriber);
      const addressed = new Set(expected.map((seen) => seen.id));
      expect({ label, foreign: got.filter((seen) => !addressed.has(seen.id)).map((seen) => seen.id) }).toEqual({ label, foreign: [] });
      expect({ label, errors: subscriber.received.filter((m) => m.errors), dropped: subscriber.received.filter((m) => m.dropped) }).toEqual(
        {
          label,
          errors: [],
          dropped: [],
        },
      );
      // Each instance's messages in the order it published them; instances interleave freely.
      for (let origin = 0; origin < servers.length; origin++) {
        expect({ label, origin, ids: got.filter((s) => s.origin === origin).map((s) => s.id) }).toEqual({
          label,
          origin,
          ids: expected.filter((s) => s.origin === origin).map((s) => s.id),
        });
      }
    }
  } finally {
    await Promise.all(subscribers.map((subscriber) => subscriber.close()));
  }
}

describe.each([
  ["one instance, in-process", 1, ""],
  ["two instances over Redis", 2, REDIS_URL],
])("live streams on %s: each subscriber gets exactly its own messages, once, in order", (_name, instances, redisUrl) => {
  const servers: TestServer[] = [];
  const tenants: Tenant[] = [];

  beforeAll(async () => {
    for (let i = 0; i < instances; i++) servers.push(await startTestServer({ env: { REDIS_URL: redisUrl } }));
    for (let i = 0; i < TENANTS; i++) {
      const admin = await signUp(servers[0].url, `Tenant ${i}`);
      const [a, b] = [await createKey(servers[0].url, admin.token), await createKey(servers[0].url, admin.token)];
      tenants.push({ workspaceId: admin.workspaceId, token: admin.token, keys: [a.id, b.id] });
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });

  it("a drawn mix of workspaces, subscribers, filters, slow readers and bursts matches the model", async () => {
    await fc.assert(
      fc.asyncProperty(scenario(instances), (run) => runScenario(servers, tenants, run)),
      { numRuns: instances === 1 ? 12 : 8, endOnFailure: true },
    );
  }, 240_000);
});
