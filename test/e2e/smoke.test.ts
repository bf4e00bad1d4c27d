import { dataOf, gql } from "../support/client";
import { createKey, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

it("a new admin creates a key and the key reads its own viewer", async () => {
  const admin = await signUp(server.url);
  const key = await createKey(server.url, admin.token);
  const viewer = dataOf(await gql(server.url, "{ viewer { kind workspace { id } apiKey { id } } }", {}, key.secret)).viewer;
  expect(viewer).toEqual({ kind: "API_KEY", workspace: { id: admin.workspaceId }, apiKey: { id: key.id } });
});
