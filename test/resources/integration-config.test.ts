import { dataOf, errorOf, gql } from "../support/client";
import { createKey, signUp, SignedUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";

let server: TestServer;
let admin: SignedUp;
beforeAll(async () => {
  server = await startTestServer();
  admin = await signUp(server.url);
});
afterAll(() => server.stop());

const CONFIG = {
  channel: "#sales",
  token: "xoxb-real",
  nested: { clientSecret: "s3cret", retries: 3, hooks: [{ url: "https://example.test", Password: "p" }] },
  API_KEY: "k1",
  apiKey: "k2",
  refreshToken: null,
};
const MASKED = {
  channel: "#sales",
  token: "********",
  nested: { clientSecret: "********", retries: 3, hooks: [{ url: "https://example.test", Password: "********" }] },
  API_KEY: "********",
  apiKey: "********",
  refreshToken: null,
};

async function stored(id: string): Promise<unknown> {
  const [row] = await server.dataSource.query(`SELECT config FROM integration WHERE id = $1`, [id]);
  return row.config;
}

async function create(config: unknown): Promise<string> {
  return dataOf(
    await gql(
      server.url,
      `mutation($c: JSON) { createIntegration(input: { provider: SLACK, name: "Slack", config: $c }) { id } }`,
      { c: config },
      admin.token,
    ),
  ).createIntegration.id;
}

const UPDATE = `mutation($id: ID!, $c: JSON) { updateIntegration(id: $id, input: { config: $c }) { config } }`;

it("masks secret-looking keys at any depth and in any case on every read, by anyone, while storing the values", async () => {
  const created = dataOf(
    await gql(
      server.url,
      `mutation($c: JSON) { createIntegration(input: { provider: SLACK, name: "Slack", config: $c }) { id config } }`,
      { c: CONFIG },
      admin.token,
    ),
  ).createIntegration;
  expect(created.config).toEqual(MASKED);
  const reader = await createKey(server.url, admin.token, [{ resource: "INTEGRATIONS", read: true }]);
  const read = dataOf(
    await gql(
      server.url,
      `query($id: ID!) { integration(id: $id) { config } integrations { nodes { config } } }`,
      { id: created.id },
      reader.secret,
    ),
  );
  expect(read.integration.config).toEqual(MASKED);
  expect(read.integrations.nodes[0].config).toEqual(MASKED);
  expect(await stored(created.id)).toEqual(CONFIG);
});

it("keeps the stored secret when an update sends the mask back, and replaces it when it sends a new value", async () => {
  const id = await create(CONFIG);
  const edited = { ...MASKED, channel: "#support", token: "xoxb-new" };
  expect(dataOf(await gql(server.url, UPDATE, { id, c: edited }, admin.token)).updateIntegration.config).toEqual({
    ...MASKED,
    channel: "#support",
  });
  expect(await stored(id)).toEqual({ ...CONFIG, channel: "#support", token: "xoxb-new" });
});

it("refuses a mask with no stored secret behind it, naming the path, and changes nothing", async () => {
  const id = await create({ channel: "#a" });
  const error = errorOf(await gql(server.url, UPDATE, { id, c: { channel: "#b", webhookToken: "********" } }, admin.token));
  expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", fields: [{ field: "input.config.webhookToken" }] });
  expect(await stored(id)).toEqual({ channel: "#a" });
});

it.each([
  ["an array", [1, 2]],
  ["a string", "token=abc"],
  ["a NUL character", { note: "a\u0000b" }],
  ["more than 16 KiB", { blob: "x".repeat(17000) }],
])("refuses a config that is %s with BAD_USER_INPUT on input.config (or the path in it)", async (_name, config) => {
  const error = errorOf(
    await gql(
      server.url,
      `mutation($c: JSON) { createIntegration(input: { provider: WEBHOOK, name: "W", config: $c }) { id } }`,
      { c: config },
      admin.token,
    ),
  );
  expect(error.extensions?.code).toBe("BAD_USER_INPUT");
  expect(error.extensions?.fields).toHaveLength(1);
  expect(error.extensions?.fields[0].field).toMatch(/^input\.config(\.|$)/);
});

it("an update without config keeps it; config: null removes it", async () => {
  const id = await create(CONFIG);
  await gql(server.url, `mutation($id: ID!) { updateIntegration(id: $id, input: { name: "Renamed" }) { id } }`, { id }, admin.token);
  expect(await stored(id)).toEqual(CONFIG);
  expect(dataOf(await gql(server.url, UPDATE, { id, c: null }, admin.token)).updateIntegration.config).toBeNull();
  expect(await stored(id)).toBeNull();
});
