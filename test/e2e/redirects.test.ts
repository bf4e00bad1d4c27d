import { startTestServer, TestServer } from "../support/server";

let server: TestServer;
let origin: string;
beforeAll(async () => {
  server = await startTestServer();
  origin = new URL(server.url).origin;
});
afterAll(() => server.stop());

it.each([
  ["/", "/graphql"],
  ["/graphql/", "/graphql"],
  ["/graphql/?query=%7B__typename%7D", "/graphql?query=%7B__typename%7D"],
])("GET %s answers 302 to %s, for a browser and an API client alike", async (path, location) => {
  for (const accept of ["text/html", "application/json"]) {
    const response = await fetch(`${origin}${path}`, { redirect: "manual", headers: { accept } });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(location);
  }
});

it("GET /graphql itself is not redirected", async () => {
  // Apollo's CSRF prevention wants a preflight-forcing header on a GET.
  const response = await fetch(`${origin}/graphql?query=%7B__typename%7D`, {
    redirect: "manual",
    headers: { accept: "application/json", "apollo-require-preflight": "1" },
  });
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ data: { __typename: "Query" } });
});
