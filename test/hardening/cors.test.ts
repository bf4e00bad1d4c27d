import { startTestServer, TestServer } from "../support/server";

const preflight = (url: string, origin: string) =>
  fetch(url, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type, authorization" },
  });
const post = (url: string, origin: string) =>
  fetch(url, {
    method: "POST",
    headers: { origin, "content-type": "application/json" },
    body: JSON.stringify({ query: "{ __typename }" }),
  });

describe("CORS", () => {
  let server: TestServer;
  afterEach(() => server.stop());

  it("with CORS_ORIGINS unset no origin is allowed: no Access-Control headers at all", async () => {
    server = await startTestServer({ env: { CORS_ORIGINS: "" } });
    const response = await preflight(server.url, "https://evil.example");
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect((await post(server.url, "https://evil.example")).headers.get("access-control-allow-origin")).toBeNull();
  });

  it("a listed origin is echoed with credentials; an unlisted one gets nothing", async () => {
    server = await startTestServer({ env: { CORS_ORIGINS: "https://app.example.com, https://admin.example.com" } });
    const allowed = await preflight(server.url, "https://admin.example.com");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://admin.example.com");
    expect(allowed.headers.get("access-control-allow-credentials")).toBe("true");
    expect(allowed.headers.get("access-control-allow-headers")).toMatch(/authorization/i);
    const simple = await post(server.url, "https://app.example.com");
    expect(simple.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(simple.headers.get("access-control-expose-headers")).toMatch(/retry-after/i);
    const refused = await preflight(server.url, "https://app.example.com.evil.example");
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("* allows any origin but never with credentials", async () => {
    server = await startTestServer({ env: { CORS_ORIGINS: "*" } });
    const response = await preflight(server.url, "https://anyone.example");
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
  });
});

describe("CORS_ORIGINS is checked at start", () => {
  it.each(["not a url", "https://app.example.com/path", "ftp://files.example.com"])("%s is a configuration error", async (value) => {
    const { loadConfig, ConfigError } = await import("../../src/config");
    expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(ConfigError);
  });
});
