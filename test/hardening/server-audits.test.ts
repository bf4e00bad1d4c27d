import { serverAudits } from "graphql-http";
import { startTestServer, TestServer } from "../support/server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

it("graphql-http's server audits find no errors (CSRF prevention stays on, so plain GETs are notices)", async () => {
  const results = await Promise.all(serverAudits({ url: server.url, fetchFn: fetch }).map((audit) => audit.fn()));
  const errors = results.flatMap((r) => (r.status === "error" ? [`${r.name}: ${r.reason}`] : []));
  expect(errors).toEqual([]);
  expect(results.length).toBeGreaterThan(50);
});
