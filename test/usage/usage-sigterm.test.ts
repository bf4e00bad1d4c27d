import { DataSource } from "typeorm";
import { createDataSource } from "../../ormconfig";
import { gql } from "../support/client";
import { createKey, signUp } from "../support/factories";
import { startServerProcess } from "./server-process";
import { eventually } from "./usage-support";

let db: DataSource;
beforeAll(async () => {
  db = createDataSource({ url: process.env.DATABASE_URL!, poolMax: 1, embedded: !!process.env.GRANTQL_TEST_EMBEDDED });
  await db.initialize();
});
afterAll(() => db.destroy());

it("SIGTERM under load loses no event: requests answered = events stored, and the process exits 0", async () => {
  const server = await startServerProcess({ REDIS_URL: "" });
  const admin = await signUp(server.url);
  const key = await createKey(server.url, admin.token);
  const ok = { count: 0 };
  let exitCode: Promise<number | null> | null = null;
  // Workers keep sending until the server stops answering; one of them pulls the plug mid-load.
  const workers = Array.from({ length: 8 }, async () => {
    for (;;) {
      const response = await gql(server.url, "{ __typename }", {}, key.secret).catch(() => null);
      if (response?.status !== 200) return;
      ok.count += 1;
      if (ok.count === 150) exitCode = server.stop("SIGTERM");
    }
  });
  await Promise.all(workers);
  expect(await exitCode).toBe(0);
  expect(ok.count).toBeGreaterThanOrEqual(150);
  expect(server.output()).toContain("stopped cleanly");
  const stored = await eventually(
    async () => (await db.query(`SELECT count(*)::int AS n FROM usage_event WHERE api_key_id = $1`, [key.id]))[0].n as number,
    (n) => n === ok.count,
    0,
  );
  expect(stored).toBe(ok.count);
}, 60_000);
