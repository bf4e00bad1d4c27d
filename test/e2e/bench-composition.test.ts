import { benchComposition, parseBenchDisable } from "../../bench/lib/bench-composition";
import { dataOf, gql } from "../support/client";
import { expectForbidden } from "../support/assertions";
import { createKey, signUp } from "../support/factories";
import { startTestServer } from "../support/server";

// The benchmark baselines are only honest if the benchmark's own entry point (bench/server.ts)
// really removes the feature BENCH_DISABLE names; the shipped server ignores it (shipped-server.test.ts).
const benchServer = (disable: string) =>
  startTestServer({ composition: (services) => benchComposition(parseBenchDisable(disable), services) });

describe("the benchmark server's composition", () => {
  it("permissions off: a key reads a field it holds no grant for, which the shipped server refuses", async () => {
    const normal = await startTestServer();
    const bench = await benchServer("permissions");
    try {
      const admin = await signUp(normal.url);
      const key = await createKey(normal.url, admin.token, [{ resource: "LEADS", read: true }]);
      const query = "{ calls(first: 1) { totalCount } }";
      expectForbidden(await gql(normal.url, query, {}, key.secret), ["calls:read"]);
      expect(dataOf(await gql(bench.url, query, {}, key.secret)).calls.totalCount).toBe(0);
    } finally {
      await normal.stop();
      await bench.stop();
    }
  });

  it("metering off: requests with a key record no usage event", async () => {
    const bench = await benchServer("metering");
    try {
      const admin = await signUp(bench.url);
      const key = await createKey(bench.url, admin.token);
      for (let i = 0; i < 3; i++) dataOf(await gql(bench.url, "{ viewer { kind } }", {}, key.secret));
      await bench.services.usage.recorder.flushAll();
      const rows = await bench.dataSource.query("SELECT count(*) AS n FROM usage_event WHERE api_key_id = $1", [key.id]);
      expect(Number(rows[0].n)).toBe(0);
    } finally {
      await bench.stop();
    }
  });

  it("auth off: a revoked key keeps working, its principal verified once and reused", async () => {
    const bench = await benchServer("auth");
    try {
      const admin = await signUp(bench.url);
      const key = await createKey(bench.url, admin.token);
      dataOf(await gql(bench.url, "{ viewer { kind } }", {}, key.secret));
      dataOf(await gql(bench.url, `mutation { revokeApiKey(id: "${key.id}") { status } }`, {}, admin.token));
      expect(dataOf(await gql(bench.url, "{ viewer { kind } }", {}, key.secret)).viewer.kind).toBe("API_KEY");
    } finally {
      await bench.stop();
    }
  });

  it("an unknown feature name stops the benchmark server with one line", () => {
    expect(() => parseBenchDisable("auth,everything")).toThrow(/BENCH_DISABLE must list only auth, permissions, metering/);
  });
});
