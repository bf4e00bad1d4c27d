import { createHash } from "node:crypto";
import { interleaved, post, Side } from "../lib/peer-rounds";
import { startServer } from "../lib/server-process";
import { ratio, summarize } from "../lib/stats";
import { Scenario } from "../lib/types";

/**
 * A document of about 5 KB within every query limit (tokens, depth, aliases, cost) that is cheap
 * to run: a screen built of panels, each with its own fragment on the viewer (as Relay and
 * fragment-colocating clients send them), which the executor merges into one `viewer` field — two
 * primary-key reads, whatever the number of panels. What differs between the two sides is then the
 * transfer, reading and JSON parsing of the 5 KB text, not the execution both sides share. (The
 * first document, 30 aliased call lists with two relations each, ran at ~70–110 requests/s in a
 * smoke round: its SQL hid the difference, 0.95–0.99×.) Both sides send the same text to the
 * executor: an id is swapped for its cached document before Apollo, which parses it once per text.
 */
export function fiveKilobyteDocument(): string {
  const panels: string[] = [];
  const fragments: string[] = [];
  for (let i = 1; panels.length < 60; i++) {
    const name = `DashboardPanel${String(i).padStart(2, "0")}`;
    panels.push(name);
    fragments.push(
      `fragment ${name} on Viewer {\n  kind\n  workspace {\n    id\n    name\n  }\n  apiKey {\n    id\n    name\n    prefix\n    status\n    expiresAt\n    createdAt\n    permissions {\n      resource\n      read\n      write\n    }\n  }\n}\n`,
    );
    const text = `query Dashboard {\n  viewer {\n${panels.map((p) => `    ...${p}\n`).join("")}  }\n}\n\n${fragments.join("\n")}`;
    if (Buffer.byteLength(text) >= 4900) return text;
  }
  throw new Error("unreachable: 60 panels are over 5 KB");
}

/** Scenario 10 (issue 28): the same 5 KB operation sent as its id (`documentId`) against sent in full, one server. */
export const persistedIds: Scenario = {
  id: "10",
  title: "a 5 KB trusted operation sent by id vs in full (requests/s)",
  defaultRounds: 15,
  async run(ctx) {
    const document = fiveKilobyteDocument();
    const server = await startServer({ DATABASE_URL: ctx.databaseUrl, REDIS_URL: "" });
    try {
      const admin = { url: server.url, headers: { authorization: `Bearer ${ctx.seed.adminToken}` } };
      const [trusted] = (await post(admin, "mutation($d: [String!]!) { addTrustedOperations(documents: $d) { id } }", { d: [document] }))
        .addTrustedOperations;
      if (trusted.id !== `sha256:${createHash("sha256").update(document).digest("hex")}`) throw new Error("unexpected id");
      const headers = { authorization: `Bearer ${ctx.seed.keySecret}` };
      const side = (name: string, body: object): Side => ({ name, url: server.url, body: JSON.stringify(body), headers });
      const rounds = await interleaved(ctx, side("by id", { documentId: trusted.id }), side("full text", { query: document }));
      const rps = summarize(rounds.map((r) => r.a.requestsPerSecond / r.b.requestsPerSecond));
      return [
        ratio("10", `requests/s, id ÷ full text (${Buffer.byteLength(document)} B document)`, rps, ["≥", 1.0]),
        { scenario: "10", name: "absolute requests/s by id", unit: "req/s", summary: summarize(rounds.map((r) => r.a.requestsPerSecond)) },
        {
          scenario: "10",
          name: "absolute requests/s in full",
          unit: "req/s",
          summary: summarize(rounds.map((r) => r.b.requestsPerSecond)),
        },
      ];
    } finally {
      await server.stop();
    }
  },
};
