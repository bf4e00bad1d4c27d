import { Client } from "pg";
import { interleavedAll, peerFigures, post, Side } from "../lib/peer-rounds";
import { startPostGraphile } from "../lib/postgraphile";
import { startServer } from "../lib/server-process";
import { Scenario } from "../lib/types";

const WRITE_NOTE =
  "both send one INSERT (counted on the wire: grantql 1 statement — the check that the agent and contact are the workspace's, the INSERT only when both are, and the result read from the inserted row, together; PostGraphile 6 — BEGIN, SAVEPOINT, INSERT, SELECT, RELEASE, COMMIT). The difference is Node CPU per request: class-validator over the input on top of the per-request floor (key verification, the permission decision, metering, Apollo Server).";
const CREATE = "mutation($i: CreateCallInput!) { createCall(input: $i) { id } }";
const TWIN = "mutation($c: CallInput!) { createCall(input: { call: $c }) { call { id } } }";
/** v5 names the id column `rowId`. */
const TWIN_5 = "mutation($c: CallInput!) { createCall(input: { call: $c }) { call { rowId } } }";

/**
 * A write: `createCall` naming an agent and a contact (grantql checks both belong to the
 * workspace, validates, writes one INSERT and meters) against PostGraphile's `createCall`
 * (an INSERT; the composite foreign keys check the references).
 */
export const peerWrite: Scenario = {
  id: "8c",
  title: "createCall with an agent and a contact: grantql (everything on, a real key) vs PostGraphile 4 and 5",
  defaultRounds: 7,
  run: async (ctx) => {
    const db = new Client({ connectionString: ctx.databaseUrl });
    await db.connect();
    const grantql = await startServer({ DATABASE_URL: ctx.databaseUrl, REDIS_URL: "" });
    const peer = await startPostGraphile(ctx.databaseUrl, 4);
    const peer5 = await startPostGraphile(ctx.databaseUrl, 5);
    try {
      const ws = ctx.seed.workspaceId;
      const { rows } = await db.query(`SELECT agent_id, contact_id FROM call WHERE workspace_id = $1 AND contact_id IS NOT NULL LIMIT 1`, [
        ws,
      ]);
      const { agent_id: agentId, contact_id: contactId } = rows[0];
      const admin = { url: grantql.url, headers: { authorization: `Bearer ${ctx.seed.adminToken}` } };
      const key = await post(
        admin,
        `mutation { createApiKey(input: { name: "Bench writes", permissions: [{ resource: CALLS, read: true, write: true }] }) { secret } }`,
      );
      const input = { agentId, contactId, direction: "INBOUND", fromNumber: "+14155550100", toNumber: "+14155550101" };
      const call = {
        ...input,
        workspaceId: ws,
        status: "QUEUED",
        createdAt: "2020-01-01T00:00:00.000Z",
        updatedAt: "2020-01-01T00:00:00.000Z",
      };
      const a: Side = {
        name: "grantql",
        url: grantql.url,
        body: JSON.stringify({ query: CREATE, variables: { i: input } }),
        headers: { authorization: `Bearer ${key.createApiKey.secret}` },
      };
      const b: Side = { name: "PostGraphile 4", url: peer.url, body: JSON.stringify({ query: TWIN, variables: { c: call } }), headers: {} };
      const c: Side = {
        name: "PostGraphile 5",
        url: peer5.url,
        body: JSON.stringify({ query: TWIN_5, variables: { c: call } }),
        headers: {},
      };
      // All three write the same row before anything is measured.
      const ids = [
        (await post(a, CREATE, { i: input })).createCall.id,
        (await post(b, TWIN, { c: call })).createCall.call.id,
        (await post(c, TWIN_5, { c: call })).createCall.call.rowId,
      ];
      const written = await db.query(
        `SELECT DISTINCT workspace_id, agent_id, contact_id, direction, from_number, to_number, status FROM call WHERE id = ANY($1)`,
        [ids],
      );
      const count = await db.query(`SELECT count(*)::int AS n FROM call WHERE id = ANY($1)`, [ids]);
      if (written.rowCount !== 1 || count.rows[0].n !== 3) throw new Error(`the three writes differ: ${JSON.stringify(written.rows)}`);
      return peerFigures(
        "8c",
        "createCall",
        await interleavedAll(ctx, [a, b, c]),
        [{ name: "PostGraphile 4", rps: 1.5 }, { name: "PostGraphile 5" }],
        WRITE_NOTE,
      );
    } finally {
      await grantql.stop();
      await peer.stop();
      await peer5.stop();
      await db.end();
    }
  },
};
