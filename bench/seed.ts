import { Client } from "pg";
import { SeedResult } from "./lib/types";

async function gql(url: string, query: string, variables: Record<string, unknown>, token?: string) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

export const SEED_SIZES = { agents: 100, contacts: 5_000, leads: 10_000, calls: 100_000, documents: 500 };

/**
 * Calls `from` to `to` of the bench workspace (`g` in generate_series): call g is g × 20 s old, so later calls are
 * older ones, and takes agents, contacts and leads in turn. The seed inserts 1–100,000; the scale scenario adds
 * 100,001 up to 10 M in a copy of the database, older than every seeded call, so every read's first page is the same.
 */
export async function insertCalls(db: Pick<Client, "query">, workspaceId: string, from: number, to: number): Promise<void> {
  await db.query(
    `WITH a AS (SELECT array_agg(id ORDER BY created_at DESC, id DESC) AS ids FROM agent WHERE workspace_id = $1),
          c AS (SELECT array_agg(id ORDER BY created_at DESC, id DESC) AS ids FROM contact WHERE workspace_id = $1),
          l AS (SELECT array_agg(id ORDER BY created_at DESC, id DESC) AS ids FROM lead WHERE workspace_id = $1)
     INSERT INTO call (workspace_id, agent_id, contact_id, lead_id, direction, status, from_number, to_number, started_at, ended_at, created_at, updated_at)
     SELECT $1, a.ids[1 + g % ${SEED_SIZES.agents}], c.ids[1 + g % ${SEED_SIZES.contacts}], l.ids[1 + g % ${SEED_SIZES.leads}],
            CASE WHEN g % 2 = 0 THEN 'INBOUND' ELSE 'OUTBOUND' END,
            (ARRAY['QUEUED','IN_PROGRESS','COMPLETED','FAILED','NO_ANSWER'])[1 + g % 5],
            '+1555' || lpad((g % 10000000)::text, 7, '0'), '+1666' || lpad((g % 10000000)::text, 7, '0'),
            $2::timestamptz - g * interval '20 seconds', $2::timestamptz - g * interval '20 seconds' + (g % 600) * interval '1 second',
            $2::timestamptz - g * interval '20 seconds', $2::timestamptz
     FROM generate_series(${from}, ${to}) g, a, c, l`,
    [workspaceId, SEEDED_AT.toISOString()],
  );
}

/** The moment every seeded call's age counts from, so calls added later (the scale scenario's) line up with the seed's. */
const SEEDED_AT = new Date();

/**
 * The benchmark data set: a workspace with 100 agents, 5,000 contacts, 10,000 leads, 100,000 calls
 * and 500 documents, inserted in bulk with generate_series, plus an ADMIN and two keys holding
 * exactly the grants of scenario 1's query. `serverUrl` is a running server on that database.
 */
export async function seed(databaseUrl: string, serverUrl: string): Promise<SeedResult> {
  const session = await gql(serverUrl, "mutation($i: SignUpInput!) { signUp(input: $i) { token workspace { id } } }", {
    i: { workspaceName: "Bench", email: `bench-${Date.now()}@example.test`, password: "benchmark password" },
  });
  const adminToken = session.signUp.token;
  const workspaceId = session.signUp.workspace.id;
  const scenario1Key = (name: string) =>
    gql(
      serverUrl,
      `mutation($name: String!) { createApiKey(input: { name: $name, permissions: [{ resource: CALLS, read: true }, { resource: AGENTS, read: true }, { resource: CONTACTS, read: true }] }) { secret apiKey { id } } }`,
      { name },
      adminToken,
    );
  const created = await scenario1Key("Bench");
  const unwatched = await scenario1Key("Bench, unwatched");
  const history = await gql(
    serverUrl,
    `mutation { createApiKey(input: { name: "Bench usage history", permissions: [{ resource: CALLS, read: true }] }) { apiKey { id } } }`,
    {},
    adminToken,
  );
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const ws = [workspaceId];
    await db.query(
      `INSERT INTO agent (workspace_id, name, language, status, created_at, updated_at)
       SELECT $1, 'Agent ' || g, 'en-US', CASE WHEN g % 5 = 0 THEN 'PAUSED' ELSE 'ACTIVE' END, now() - g * interval '1 minute', now()
       FROM generate_series(1, ${SEED_SIZES.agents}) g`,
      ws,
    );
    await db.query(
      `INSERT INTO contact (workspace_id, first_name, last_name, email, phone, company, created_at, updated_at)
       SELECT $1, 'First' || g, 'Last' || g, 'c' || g || '@example.test', '+1555' || lpad(g::text, 7, '0'), 'Company ' || (g % 300), now() - g * interval '1 second', now()
       FROM generate_series(1, ${SEED_SIZES.contacts}) g`,
      ws,
    );
    await db.query(
      `WITH c AS (SELECT array_agg(id) AS ids FROM contact WHERE workspace_id = $1)
       INSERT INTO lead (workspace_id, name, status, score, source, contact_id, created_at, updated_at)
       SELECT $1, 'Lead ' || g, (ARRAY['NEW','CONTACTED','QUALIFIED','CONVERTED','LOST'])[1 + g % 5], g % 101, 'web', c.ids[1 + g % ${SEED_SIZES.contacts}],
              now() - g * interval '1 minute', now()
       FROM generate_series(1, ${SEED_SIZES.leads}) g, c`,
      ws,
    );
    await insertCalls(db, workspaceId, 1, SEED_SIZES.calls);
    await db.query(
      `INSERT INTO knowledge_base_document (workspace_id, title, content, created_at, updated_at)
       SELECT $1, 'Document ' || g, repeat('Knowledge. ', 50), now() - g * interval '1 hour', now()
       FROM generate_series(1, ${SEED_SIZES.documents}) g`,
      ws,
    );
    await db.query("ANALYZE");
  } finally {
    await db.end();
  }
  return {
    databaseUrl,
    workspaceId,
    adminToken,
    keySecret: created.createApiKey.secret,
    keyId: created.createApiKey.apiKey.id,
    unwatchedKeySecret: unwatched.createApiKey.secret,
    historyKeyId: history.createApiKey.apiKey.id,
  };
}

/** A workspace of its own for scenario 5b: its ADMIN's session and two keys with scenario 1's grants. */
export interface BenchWorkspace {
  id: string;
  adminToken: string;
  watchedKeyId: string;
  watchedSecret: string;
  twinKeyId: string;
  twinSecret: string;
}

/** Per workspace of `seedWorkspaces`: enough rows that scenario 1's query reads a full page with its relations. */
export const SMALL_WORKSPACE = { agents: 20, contacts: 200, calls: 1_000 };

/**
 * `count` more workspaces, each with an ADMIN, a key some subscribers watch and a twin key with the
 * same grants that nobody watches, and SMALL_WORKSPACE's agents, contacts and calls. `serverUrl`
 * must allow `count` sign-ups from one address (SIGNIN_IP_LOCK_AFTER).
 */
export async function seedWorkspaces(databaseUrl: string, serverUrl: string, count: number): Promise<BenchWorkspace[]> {
  const workspaces: BenchWorkspace[] = [];
  const stamp = Date.now();
  for (let i = 0; i < count; i++) {
    const session = await gql(serverUrl, "mutation($i: SignUpInput!) { signUp(input: $i) { token workspace { id } } }", {
      i: { workspaceName: `Bench ${i + 1}`, email: `bench-${stamp}-${i}@example.test`, password: "benchmark password" },
    });
    const token: string = session.signUp.token;
    const key = async (name: string) =>
      (
        await gql(
          serverUrl,
          `mutation($name: String!) { createApiKey(input: { name: $name, permissions: [{ resource: CALLS, read: true }, { resource: AGENTS, read: true }, { resource: CONTACTS, read: true }] }) { secret apiKey { id } } }`,
          { name },
          token,
        )
      ).createApiKey;
    const watched = await key("Bench, watched");
    const twin = await key("Bench, unwatched twin");
    workspaces.push({
      id: session.signUp.workspace.id,
      adminToken: token,
      watchedKeyId: watched.apiKey.id,
      watchedSecret: watched.secret,
      twinKeyId: twin.apiKey.id,
      twinSecret: twin.secret,
    });
  }
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const ids = [workspaces.map((w) => w.id)];
    await db.query(
      `INSERT INTO agent (workspace_id, name, language, status, created_at, updated_at)
       SELECT w, 'Agent ' || g, 'en-US', 'ACTIVE', now() - g * interval '1 minute', now()
       FROM unnest($1::uuid[]) w, generate_series(1, ${SMALL_WORKSPACE.agents}) g`,
      ids,
    );
    await db.query(
      `INSERT INTO contact (workspace_id, first_name, last_name, email, created_at, updated_at)
       SELECT w, 'First' || g, 'Last' || g, 'c' || g || '@example.test', now() - g * interval '1 second', now()
       FROM unnest($1::uuid[]) w, generate_series(1, ${SMALL_WORKSPACE.contacts}) g`,
      ids,
    );
    await db.query(
      `WITH a AS (SELECT workspace_id, array_agg(id) AS ids FROM agent WHERE workspace_id = ANY($1::uuid[]) GROUP BY workspace_id),
            c AS (SELECT workspace_id, array_agg(id) AS ids FROM contact WHERE workspace_id = ANY($1::uuid[]) GROUP BY workspace_id)
       INSERT INTO call (workspace_id, agent_id, contact_id, direction, status, from_number, to_number, started_at, ended_at, created_at, updated_at)
       SELECT a.workspace_id, a.ids[1 + g % ${SMALL_WORKSPACE.agents}], c.ids[1 + g % ${SMALL_WORKSPACE.contacts}],
              CASE WHEN g % 2 = 0 THEN 'INBOUND' ELSE 'OUTBOUND' END,
              (ARRAY['QUEUED','IN_PROGRESS','COMPLETED','FAILED','NO_ANSWER'])[1 + g % 5],
              '+1555' || lpad(g::text, 7, '0'), '+1666' || lpad(g::text, 7, '0'),
              now() - g * interval '20 seconds', now() - g * interval '20 seconds' + (g % 600) * interval '1 second',
              now() - g * interval '20 seconds', now()
       FROM a JOIN c USING (workspace_id), generate_series(1, ${SMALL_WORKSPACE.calls}) g`,
      ids,
    );
    await db.query("ANALYZE");
  } finally {
    await db.end();
  }
  return workspaces;
}
