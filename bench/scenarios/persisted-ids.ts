import { createHash } from "node:crypto";
import { interleaved, post, Side } from "../lib/peer-rounds";
import { startServer } from "../lib/server-process";
import { ratio, summarize } from "../lib/stats";
import { Scenario } from "../lib/types";

/**
 * A document of about 5 KB within every query limit (30 aliases, 2,000 tokens, the cost limit):
 * the size of a real client's screen query, which a client holding trusted operations sends as an id.
 */
export function fiveKilobyteDocument(): string {
  const block = (i: number) =>
    `  recent${i}: calls(first: 1) {\n    nodes {\n      id\n      status\n      durationSeconds\n      createdAt\n      agent { id name }\n      contact { id firstName lastName }\n    }\n  }\n`;
  let text = "query Dashboard {\n";
  for (let i = 0; text.length < 4900 && i < 30; i++) text += block(i);
  return `${text}}\n`;
}

/** Scenario 10 (issue 28): the same 5 KB operation sent as its id (`documentId`) against sent in full, one server. */
export const persistedIds: Scenario = {
  id: "10",
  title: "a 5 KB trusted operation sent by id vs in full (requests/s)",
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
