import { Pool } from "pg";
import { PgCountingProxy } from "../../bench/lib/pg-counting-proxy";
import { statementLoad } from "../../bench/lib/statement-load";

// Scenario 8d replays the statement grantql sent, as the proxy read it off the wire: its text, its name and its
// parameters must be exactly what the client bound, or the "ceiling" would measure another query.
describe("the benchmark's statement capture and replay (scenario 8d)", () => {
  it("captures a named statement's text and bound parameters (text, NULL, binary), and replays them to the same rows as text", async () => {
    const target = new URL(process.env.DATABASE_URL!);
    const proxy = new PgCountingProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const proxied = Object.assign(new URL(target.toString()), { hostname: "127.0.0.1", port: String(await proxy.start()) });
    const client = new Pool({ connectionString: proxied.toString(), max: 1 });
    const text =
      "SELECT json_build_object('n', $1::int, 'missing', $2::text, 'bytes', encode($3::bytea, 'hex'), 'at', now() > $4::timestamptz) AS row";
    const values = ["42", null, Buffer.from([0xde, 0xad]), "2020-01-01T00:00:00Z"];
    try {
      await client.query("SELECT 1");
      proxy.reset();
      const sent = await client.query({ name: "bench_capture_test", text, values });
      await client.query({ name: "bench_capture_test", text, values }); // the second run binds the name parsed before
      expect(proxy.executed).toHaveLength(2);
      for (const executed of proxy.executed) {
        expect(executed).toEqual({
          name: "bench_capture_test",
          text,
          values: ["42", null, Buffer.from([0xde, 0xad]), "2020-01-01T00:00:00Z"],
        });
      }
      // pg binds a Buffer in binary; the replay binds the same bytes the same way.
      const ceiling = statementLoad("ceiling", target.toString(), proxy.executed.slice(0, 1), 2);
      try {
        const [rows] = (await ceiling.once()) as { row: unknown }[][];
        expect(typeof rows[0].row).toBe("string"); // read as text: the JSON is not parsed
        expect(JSON.parse(rows[0].row as string)).toEqual(sent.rows[0].row);
        expect(sent.rows[0].row).toEqual({ n: 42, missing: null, bytes: "dead", at: true });
      } finally {
        await ceiling.close();
      }
    } finally {
      await client.end();
      await proxy.stop();
    }
  });
});
