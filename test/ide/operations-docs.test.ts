import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "graphql-ws";
import { GraphQLSchema, Kind, OperationDefinitionNode, parse, validate } from "graphql";
import WebSocket from "ws";
import { buildAppSchema } from "../../src/schema/build-schema";
import { dataOf, gql } from "../support/client";
import { PASSWORD, uniqueEmail } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";

const DIR = join(__dirname, "..", "..", "docs", "operations");
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith(".graphql"))
  .sort();

/** The document of `file` and the names of its operations. */
function load(file: string): { text: string; names: string[] } {
  const text = readFileSync(join(DIR, file), "utf8");
  const names = parse(text)
    .definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((d) => d.name?.value ?? "");
  return { text, names };
}

describe("docs/operations", () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildAppSchema();
  });

  it.each(FILES)("%s is valid against the schema, with named operations", (file) => {
    const { text, names } = load(file);
    expect(validate(schema, parse(text))).toEqual([]);
    expect(names.length).toBeGreaterThan(0);
    expect(names).not.toContain("");
  });
});

describe("docs/operations run as written", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  /** Runs operation `name` of `file` and returns its data, failing on any error. */
  const run = async (file: string, name: string, variables: Record<string, unknown>, token?: string) => {
    const { text } = load(file);
    const response = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query: text, operationName: name, variables }),
    });
    const body = (await response.json()) as { data?: any; errors?: unknown[] };
    if (response.status !== 200 || body.errors) throw new Error(`${file} ${name}: ${response.status} ${JSON.stringify(body.errors)}`);
    return body.data;
  };

  it("an admin's and a security member's whole key lifecycle, one documented operation at a time", async () => {
    const email = uniqueEmail("docs");
    const admin = (await run("01-sign-up.graphql", "SignUp", { input: { workspaceName: "Docs", email, password: PASSWORD } })).signUp.token;
    expect((await run("02-sign-in.graphql", "SignIn", { email, password: PASSWORD })).signIn.token).toMatch(/^gqs_/);
    expect((await run("02-sign-in.graphql", "WhoAmI", {}, admin)).viewer.kind).toBe("MEMBER");
    const securityEmail = uniqueEmail("security");
    await run("03-create-member.graphql", "CreateMember", { input: { email: securityEmail, password: PASSWORD, role: "SECURITY" } }, admin);
    const security = (await run("02-sign-in.graphql", "SignIn", { email: securityEmail, password: PASSWORD })).signIn.token;

    const created = (
      await run(
        "04-create-api-key.graphql",
        "CreateApiKey",
        {
          input: {
            name: "Reporting backend",
            permissions: [
              { resource: "CALLS", read: true },
              { resource: "ANALYTICS", read: true },
            ],
          },
        },
        admin,
      )
    ).createApiKey;
    const id = created.apiKey.id;
    dataOf(await gql(server.url, "{ viewer { kind } }", {}, created.secret));

    expect((await run("05-list-active-keys.graphql", "ActiveKeys", {}, security)).apiKeys.nodes.map((k: { id: string }) => k.id)).toContain(
      id,
    );
    expect((await run("05-list-active-keys.graphql", "OneKey", { id }, security)).apiKey.id).toBe(id);
    await run("07-update-api-key.graphql", "UpdateApiKey", { id, input: { name: "Reporting backend (EU)" } }, admin);
    const rotated = (await run("08-rotate-api-key.graphql", "RotateApiKey", { id, gracePeriodSeconds: 3600 }, admin)).rotateApiKey;
    expect(rotated.secret).toMatch(/^gqk_/);
    const revoked = (await run("09-revoke-api-key.graphql", "RevokeApiKey", { id: rotated.apiKey.id, reason: "docs test" }, security))
      .revokeApiKey;
    expect(revoked.status).toBe("REVOKED");
    const ids = (await run("06-revoked-and-expired-keys.graphql", "RevokedAndExpiredKeys", {}, security)).apiKeys.nodes.map(
      (k: { id: string }) => k.id,
    );
    expect(ids).toContain(rotated.apiKey.id);
    expect((await run("10-audit-log.graphql", "AuditLog", { first: 20 }, security)).auditLog.totalCount).toBeGreaterThan(0);
    expect((await run("18-members.graphql", "Members", {}, security)).members.nodes.map((m: { email: string }) => m.email).sort()).toEqual(
      [securityEmail, email].sort(),
    );
    await server.services.usage.recorder.flushAll();
    expect((await run("19-usage-event-log.graphql", "UsageEventLog", { apiKeyId: id }, security)).usageEventLog.totalCount).toBeGreaterThan(
      0,
    );
    expect((await run("11-key-usage.graphql", "KeyUsage", { id }, security)).apiKey.usage).toEqual({
      last24h: expect.any(Number),
      last7d: expect.any(Number),
      last30d: expect.any(Number),
    });
    expect(
      Array.isArray((await run("12-usage-series.graphql", "UsageSeries", { id, granularity: "HOUR" }, security)).apiKey.usageSeries),
    ).toBe(true);
    const restricted = (
      await run(
        "15-restrict-key-addresses.graphql",
        "RestrictKeyAddresses",
        { id: created.apiKey.id, cidrs: ["203.0.113.0/24", "2001:DB8::/32"] },
        admin,
      )
    ).updateApiKey;
    expect(restricted.allowedCidrs).toEqual(["203.0.113.0/24", "2001:db8::/32"]);
    expect(Array.isArray((await run("16-security-alerts.graphql", "SecurityAlerts", { first: 20 }, security)).securityAlerts.nodes)).toBe(
      true,
    );
    await run("02-sign-in.graphql", "SignOut", {}, admin);
  });

  it("17-subscribe-security-alerts.graphql delivers a leaked key's alert to a SECURITY member", async () => {
    const adminEmail = uniqueEmail("docs");
    const admin = (await run("01-sign-up.graphql", "SignUp", { input: { workspaceName: "Docs", email: adminEmail, password: PASSWORD } }))
      .signUp.token;
    const securityEmail = uniqueEmail("security");
    await run("03-create-member.graphql", "CreateMember", { input: { email: securityEmail, password: PASSWORD, role: "SECURITY" } }, admin);
    const security = (await run("02-sign-in.graphql", "SignIn", { email: securityEmail, password: PASSWORD })).signIn.token;
    const client = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${security}` },
      retryAttempts: 0,
    });
    try {
      const subscription = client.iterate({
        query: load("17-subscribe-security-alerts.graphql").text,
        operationName: "WatchSecurityAlerts",
        variables: { kinds: ["KEY_LEAKED"] },
      });
      const first = subscription.next();
      // As for usageEvents, nothing announces that the subscription started: leak a fresh key until one alert arrives.
      let delivered = false;
      void first.then(() => (delivered = true));
      for (let attempt = 0; !delivered && attempt < 20; attempt++) {
        const key = (
          await run(
            "04-create-api-key.graphql",
            "CreateApiKey",
            { input: { name: "Leaked", permissions: [{ resource: "CALLS", read: true }] } },
            admin,
          )
        ).createApiKey;
        await server.services.leaks.report([{ token: key.secret, url: "https://example.test/leak" }]);
        await Promise.race([first, new Promise((resolve) => setTimeout(resolve, 250))]);
      }
      const message = (await first).value as { data?: Record<string, any>; errors?: unknown };
      expect(message.errors).toBeUndefined();
      expect(message.data?.securityAlerts.kind).toBe("KEY_LEAKED");
      await subscription.return?.(undefined);
    } finally {
      await client.dispose();
    }
  });

  it.each([
    ["13-subscribe-key-usage.graphql", "WatchKeyUsage", (id: string) => ({ id }), "apiKeyUsage"],
    ["14-subscribe-usage-events.graphql", "WatchUsageEvents", (id: string) => ({ apiKeyId: id, outcomes: ["ALLOWED"] }), "usageEvents"],
  ])("%s delivers to a SECURITY member", async (file, name, variables, field) => {
    const adminEmail = uniqueEmail("docs");
    const admin = (await run("01-sign-up.graphql", "SignUp", { input: { workspaceName: "Docs", email: adminEmail, password: PASSWORD } }))
      .signUp.token;
    const securityEmail = uniqueEmail("security");
    await run("03-create-member.graphql", "CreateMember", { input: { email: securityEmail, password: PASSWORD, role: "SECURITY" } }, admin);
    const security = (await run("02-sign-in.graphql", "SignIn", { email: securityEmail, password: PASSWORD })).signIn.token;
    const key = (
      await run(
        "04-create-api-key.graphql",
        "CreateApiKey",
        { input: { name: "Watched", permissions: [{ resource: "CALLS", read: true }] } },
        admin,
      )
    ).createApiKey;

    const client = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${security}` },
      retryAttempts: 0,
    });
    try {
      const subscription = client.iterate({ query: load(file).text, operationName: name, variables: variables(key.apiKey.id) });
      const first = subscription.next();
      // apiKeyUsage answers at once with the current counters; usageEvents needs a request made
      // after the server has started the subscription, which no protocol message announces: so
      // make requests until one is delivered, with a bounded deadline.
      let delivered = false;
      void first.then(() => (delivered = true));
      for (let attempt = 0; field === "usageEvents" && !delivered && attempt < 20; attempt++) {
        dataOf(await gql(server.url, "{ viewer { kind } }", {}, key.secret));
        await Promise.race([first, new Promise((resolve) => setTimeout(resolve, 250))]);
      }
      const message = (await first).value as { data?: Record<string, unknown>; errors?: unknown };
      expect(message.errors).toBeUndefined();
      expect(message.data?.[field]).toBeDefined();
      await subscription.return?.(undefined);
    } finally {
      await client.dispose();
    }
  });
});
