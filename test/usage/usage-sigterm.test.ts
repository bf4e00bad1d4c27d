import { DataSource } from "typeorm";
import { createDataSource } from "../../ormconfig";
import { gql } from "../support/client";
import { createKey, signUp } from "../support/factories";
import { startServerProcess } from "./server-process";
import { eventually } from "../support/eventually";

let db: DataSource;
beforeAll(async () => {
  db = createDataSource({ url: process.env.DATABASE_URL!, poolMax: 1 });
  await db.initialize();
});
afterAll(() => db.destroy());

it("SIGTERM under load loses no event: every answered request is stored, nothing unsent is, and the process exits 0", async () => {
  const server = await startServerProcess({ REDIS_URL: "" });
  const admin = await signUp(server.url);
  const key = await createKey(server.url, admin.token);
  // sent: requests written; answered: any HTTP answer (a drain may answer with an error, which is
  // metered too); ok: 200s. A request cut off mid-shutdown may be stored without being answered.
  const counts = { sent: 0, answered: 0, ok: 0 };
  let exitCode: Promise<number | null> | null = null;
  // Workers keep sending until the server stops answering; one of them pulls the plug mid-load.
  const workers = Array.from({ length: 8 }, async () => {
    for (;;) {
      counts.sent += 1;
      const response = await gql(server.url, "{ __typename }", {}, key.secret).catch(() => null);
      if (!response) return;
      counts.answered += 1;
      if (response.status !== 200) continue;
      counts.ok += 1;
      if (counts.ok === 150) exitCode = server.stop("SIGTERM");
    }
  });
  await Promise.all(workers);
  expect(await exitCode).toBe(0);
  expect(counts.ok).toBeGreaterThanOrEqual(150);
  expect(server.output()).toContain("stopped cleanly");
  const stored = await eventually(
    async () => (await db.query(`SELECT count(*)::int AS n FROM usage_event WHERE api_key_id = $1`, [key.id]))[0].n as number,
    (n) => n >= counts.answered,
    0,
  );
  expect(stored).toBeGreaterThanOrEqual(counts.answered);
  expect(stored).toBeLessThanOrEqual(counts.sent);
}, 60_000);
