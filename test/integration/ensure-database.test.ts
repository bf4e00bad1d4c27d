import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { ensureDatabase } from "../support/ensure-database";

it("the test setup creates the database a DATABASE_URL names when the server has none (the README's grantql_test line)", async () => {
  const url = new URL(process.env.DATABASE_URL!);
  const name = `grantql_created_${randomBytes(4).toString("hex")}`;
  url.pathname = `/${name}`;
  expect(await ensureDatabase(url.toString())).toBe(true);
  try {
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    expect((await client.query("SELECT current_database() AS db")).rows[0].db).toBe(name);
    await client.end();
    expect(await ensureDatabase(url.toString())).toBe(false);
  } finally {
    url.pathname = "/postgres";
    const admin = new Client({ connectionString: url.toString() });
    await admin.connect();
    await admin.query(`DROP DATABASE ${admin.escapeIdentifier(name)}`);
    await admin.end();
  }
});
