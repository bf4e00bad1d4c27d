import { PgCountingProxy } from "../lib/pg-counting-proxy";
import { startServer } from "../lib/server-process";
import { summarize } from "../lib/stats";
import { Scenario } from "../lib/types";

const REQUESTS = 2000;

/** Keys that fail the shape or checksum check must be refused before any SQL statement. */
export const malformedKeys: Scenario = {
  id: "7",
  title: "requests with malformed or checksum-failing keys: SQL statements sent",
  async run(ctx) {
    const target = new URL(ctx.databaseUrl);
    const proxy = new PgCountingProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const port = await proxy.start();
    target.hostname = "127.0.0.1";
    target.port = String(port);
    const server = await startServer({ DATABASE_URL: target.toString(), REDIS_URL: "" });
    const valid = ctx.seed.keySecret;
    const flipped = valid.slice(0, 41) + (valid[41] === "0" ? "1" : "0");
    const malformed = [flipped, valid.slice(0, 30), `gqk_${"A".repeat(38)}`, "not-a-key", `${valid}x`];
    try {
      await fetch(server.url.replace("/graphql", "/healthz"));
      proxy.reset();
      let refused = 0;
      for (let i = 0; i < REQUESTS; i++) {
        const res = await fetch(server.url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${malformed[i % malformed.length]}` },
          body: JSON.stringify({ query: "{ viewer { kind } }" }),
        });
        await res.arrayBuffer();
        if (res.status === 401) refused++;
      }
      const statements = proxy.statements;
      // The control: the same counter must see the statements of valid requests.
      proxy.reset();
      for (let i = 0; i < 10; i++) {
        const res = await fetch(server.url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${valid}` },
          body: JSON.stringify({ query: "{ viewer { kind workspace { name } } }" }),
        });
        await res.arrayBuffer();
      }
      const control = proxy.statements;
      return [
        {
          scenario: "7",
          name: "control: SQL statements for 10 valid-key viewer requests (same counter)",
          unit: "statements",
          summary: summarize([control]),
          target: "> 0",
          met: control > 0,
        },
        {
          scenario: "7",
          name: `SQL statements for ${REQUESTS} malformed-key requests (counted on the wire)`,
          unit: "statements",
          summary: summarize([statements]),
          target: "0",
          met: statements === 0,
        },
        {
          scenario: "7",
          name: "of which refused with 401",
          unit: "requests",
          summary: summarize([refused]),
          target: String(REQUESTS),
          met: refused === REQUESTS,
        },
      ];
    } finally {
      await server.stop();
      await proxy.stop();
    }
  },
};
