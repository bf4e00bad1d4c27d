import { API_KEY_PREFIX, checksumOf, randomBase62 } from "../../src/auth/token";
import { expectServiceUnavailable } from "../support/assertions";
import { dataOf, errorOf, gql } from "../support/client";
import { eventually } from "../support/eventually";
import { createKey, PASSWORD, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { TcpProxy } from "../support/tcp-proxy";
import { wsExchange } from "./hostile-support";

/** A well-formed key nobody issued: verifying it needs the database. */
function unknownKey(): string {
  const random = randomBase62(32);
  return `${API_KEY_PREFIX}${random}${checksumOf(random)}`;
}

let proxy: TcpProxy;
let server: TestServer;
let admin: Awaited<ReturnType<typeof signUp>>;

beforeAll(async () => {
  proxy = await TcpProxy.to(process.env.DATABASE_URL!);
  server = await startTestServer({ env: { DATABASE_URL: proxy.rewrite(process.env.DATABASE_URL!) } });
  admin = await signUp(server.url);
});
afterAll(async () => {
  await proxy.restore();
  await server.stop();
  await proxy.cut();
});

const readyz = async () => (await fetch(`http://127.0.0.1:${server.port}/readyz`)).status;
const timed = async <T>(work: () => Promise<T>) => {
  const started = Date.now();
  const result = await work();
  return { result, ms: Date.now() - started };
};

describe("the database goes away while the server runs", () => {
  it("answers 503 SERVICE_UNAVAILABLE fast (WebSocket: close 1013), /readyz turns 503, /healthz stays 200, and it serves again once the database is back", async () => {
    const key = await createKey(server.url, admin.token);
    expect(await readyz()).toBe(200);
    await proxy.cut();

    const ready = await timed(readyz);
    expect(ready.result).toBe(503);
    expect(ready.ms).toBeLessThan(3000);
    expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);

    const cases = {
      memberQuery: () => gql(server.url, "{ apiKeys { totalCount } }", {}, admin.token),
      keyVerification: () => gql(server.url, "{ viewer { kind } }", {}, unknownKey()),
      signIn: () => gql(server.url, `mutation { signIn(email: "${admin.email}", password: "${PASSWORD}") { token } }`),
      mutation: () => gql(server.url, `mutation { revokeApiKey(id: "${key.id}") { id } }`, {}, admin.token),
    };
    for (const [name, run] of Object.entries(cases)) {
      const { result, ms } = await timed(run);
      expectServiceUnavailable(name, result);
      expect(ms).toBeLessThan(5000);
      expect(JSON.stringify(result.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/);
    }

    const socket = await wsExchange(
      server.wsUrl,
      [JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${admin.token}` } })],
      () => false,
    );
    expect({ code: socket.closeCode, reason: socket.closeReason }).toEqual({ code: 1013, reason: "Service unavailable" });

    await proxy.restore();
    expect(await eventually(readyz, (status) => status === 200, 10_000)).toBe(200);
    expect(dataOf(await gql(server.url, "{ apiKeys { totalCount } }", {}, admin.token)).apiKeys.totalCount).toBe(1);
    expect(dataOf(await gql(server.url, "{ viewer { kind } }", {}, key.secret)).viewer.kind).toBe("API_KEY");
  });

  it("under concurrent load every request gets an answer (200 or 503), none hangs, and the process keeps serving", async () => {
    const load = () =>
      Promise.all(Array.from({ length: 20 }, () => gql(server.url, "{ viewer { kind } apiKeys { totalCount } }", {}, admin.token)));
    const during = load();
    await proxy.cut();
    const after = await load();
    const answers = [...(await during), ...after];
    for (const answer of answers) {
      expect([200, 503]).toContain(answer.status);
      if (answer.status === 503) expect(errorOf(answer).extensions?.code).toBe("SERVICE_UNAVAILABLE");
    }
    expect(after.every((a) => a.status === 503)).toBe(true);
    await proxy.restore();
    expect(await eventually(readyz, (status) => status === 200, 10_000)).toBe(200);
    const recovered = await load();
    expect(recovered.every((a) => a.status === 200)).toBe(true);
  });
});
