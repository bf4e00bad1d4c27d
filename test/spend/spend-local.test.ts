import { gql } from "../support/client";
import { eventually } from "../support/eventually";
import { signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { LEASE_LOW, LEASE_SIZE } from "../../src/keys/credit-ledger";
import { durableCreditsOf, keyOf, spendingKey } from "./spend-support";

/** Two instances without Redis: credits are leased from PostgreSQL into each process. */
let a: TestServer;
let b: TestServer;
beforeAll(async () => {
  a = await startTestServer({ env: { REDIS_URL: "" } });
  b = await startTestServer({ env: { REDIS_URL: "" } });
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

const VIEWER = `{ viewer { kind } }`;

it("without Redis, 120 simultaneous requests of a key with 50 credits over two instances never run more than 50", async () => {
  const admin = await signUp(a.url);
  const key = await spendingKey(a.url, admin.token, { credits: { remaining: 50 } });
  const answers = await Promise.all(Array.from({ length: 120 }, (_, i) => gql((i % 2 ? b : a).url, VIEWER, {}, key.secret)));
  const first = answers.filter((r) => r.status === 200).length;
  expect(first).toBeLessThanOrEqual(50);
  // What an instance leased and did not spend goes back within a second: once `b` reads it all, every credit is spent, no more.
  const left = await eventually(
    async () => (await keyOf(b.url, admin.token, key.id)).credits.remaining,
    (n) => n === 50 - first,
    3000,
  );
  expect(left).toBe(50 - first);
  const rest = await Promise.all(Array.from({ length: 60 }, () => gql(b.url, VIEWER, {}, key.secret)));
  const ran = first + rest.filter((r) => r.status === 200).length;
  expect(ran).toBe(50);
});

it("credits another instance leased and did not use are back in `remaining` within a second", async () => {
  const admin = await signUp(a.url);
  const key = await spendingKey(a.url, admin.token, { credits: { remaining: 500 } });
  for (let i = 0; i < 10; i++) expect((await gql(a.url, VIEWER, {}, key.secret)).status).toBe(200);
  // Read on the other instance: a lease of 100 is held by the first, 90 of it unspent, and handed back within a second.
  const remaining = await eventually(
    async () => (await keyOf(b.url, admin.token, key.id)).credits.remaining,
    (n) => n === 490,
    3000,
  );
  expect(remaining).toBe(490);
});

it("a lease running low is topped up in the background, never past LEASE_SIZE, the balance exact throughout", async () => {
  const admin = await signUp(a.url);
  const key = await spendingKey(a.url, admin.token, { credits: { remaining: 1000 } });
  const { spendId, durable } = await durableCreditsOf(a, key.id);
  // The first request leases LEASE_SIZE; the one that leaves LEASE_LOW of it leases the rest again, before anyone waits.
  for (let i = 0; i < LEASE_SIZE - LEASE_LOW; i++) expect((await gql(a.url, VIEWER, {}, key.secret)).status).toBe(200);
  expect(await eventually(durable, (n) => n === 1000 - LEASE_SIZE - (LEASE_SIZE - LEASE_LOW))).toBe(
    1000 - LEASE_SIZE - (LEASE_SIZE - LEASE_LOW),
  );
  const held = a.services.spends.ledger.heldHere(spendId, 0);
  expect(held).toBe(LEASE_SIZE);
  expect((await durable()) + held).toBe(1000 - (LEASE_SIZE - LEASE_LOW));
});
