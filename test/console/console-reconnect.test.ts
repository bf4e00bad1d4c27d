import { existsSync } from "node:fs";
import { dataOf, gql } from "../support/client";
import { createKey, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { TcpProxy } from "../support/tcp-proxy";
import { artifactPath, CHROMIUM, openOfflineBrowser, OfflineBrowser } from "../ide/browser";
import { buildConsoleOnce, consoleUrl, liveCount, liveCountAbove, signInThroughForm, startTestServerOn } from "./console-support";

let server: TestServer;
let browser: OfflineBrowser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  await buildConsoleOnce();
  server = await startTestServer();
  browser = await openOfflineBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Requests made with the key, one per operation name, stored before this returns. */
async function use(secret: string, ...names: string[]): Promise<void> {
  for (const name of names) dataOf(await gql(server.url, `query ${name} { viewer { kind } }`, {}, secret));
  await server.services.usage.recorder.flushAll();
}

it("says Reconnecting… while the server restarts, then resumes the live counter and fills the events table without loss or duplicates", async () => {
  const { page } = browser;
  try {
    const admin = await signUp(server.url, "Restart");
    const key = await createKey(server.url, admin.token);
    await use(key.secret, "BeforeRestart");
    await signInThroughForm(page, server.port, admin.email);
    await page.goto(`${consoleUrl(server.port)}#/keys/${key.id}`);
    await page.getByText("Live", { exact: true }).waitFor();
    const events = page.getByRole("table", { name: "Requests made with this key" });
    await events.getByRole("cell", { name: /BeforeRestart/ }).waitFor();

    // Stop the server and start a new one on the same port, as a deploy would.
    const port = server.port;
    await server.stop();
    await page.getByRole("status").filter({ hasText: "Reconnecting…" }).waitFor();
    server = await startTestServerOn(port);
    // Requests the page may not have seen live: the table must still show each exactly once.
    await use(key.secret, "DuringReconnectA", "DuringReconnectB");
    await page.getByRole("status").filter({ hasText: "Reconnecting…" }).waitFor({ state: "hidden", timeout: 15_000 });
    await events.getByRole("cell", { name: /DuringReconnectB/ }).waitFor();

    const before = await liveCount(page);
    await use(key.secret, "AfterRestart");
    expect(await liveCountAbove(page, before, 5000)).toBeGreaterThan(before);
    await events.getByRole("cell", { name: /AfterRestart/ }).waitFor();
    const names = await events.getByRole("row").allTextContents();
    for (const name of ["BeforeRestart", "DuringReconnectA", "DuringReconnectB", "AfterRestart"]) {
      expect([name, names.filter((row) => row.includes(name)).length]).toEqual([name, 1]);
    }
    expect(browser.blocked).toEqual([]);
  } catch (error) {
    await page.screenshot({ path: artifactPath("console-reconnect-failure.png") }).catch(() => undefined);
    if (browser.problems.length) console.error(`browser problems:\n${browser.problems.join("\n")}`);
    throw error;
  }
}, 90_000);

it("after a network drop, fills in the events recorded while the socket was down, each once, from usageEventLog", async () => {
  const { page } = browser;
  // The browser reaches the server through a relay the test can cut; the test's own requests do not.
  const proxy = await TcpProxy.to(`http://127.0.0.1:${server.port}`);
  try {
    const admin = await signUp(server.url, "Network drop");
    const key = await createKey(server.url, admin.token);
    await signInThroughForm(page, proxy.port, admin.email);
    await page.goto(`${consoleUrl(proxy.port)}#/keys/${key.id}`);
    await page.getByText("Live", { exact: true }).waitFor();
    await use(key.secret, "BeforeDrop");
    const events = page.getByRole("table", { name: "Requests made with this key" });
    await events.getByRole("cell", { name: /BeforeDrop/ }).waitFor();

    await proxy.cut();
    await page.getByRole("status").filter({ hasText: "Reconnecting…" }).waitFor();
    // Recorded and published while no socket of the page could hear them.
    await use(key.secret, "WhileDownA", "WhileDownB", "WhileDownC");
    await proxy.restore();
    await page.getByRole("status").filter({ hasText: "Reconnecting…" }).waitFor({ state: "hidden", timeout: 15_000 });
    await events.getByRole("cell", { name: /WhileDownC/ }).waitFor();
    const rows = await events.getByRole("row").allTextContents();
    for (const name of ["BeforeDrop", "WhileDownA", "WhileDownB", "WhileDownC"]) {
      expect([name, rows.filter((row) => row.includes(name)).length]).toEqual([name, 1]);
    }
    expect(browser.blocked).toEqual([]);
  } catch (error) {
    await page.screenshot({ path: artifactPath("console-network-drop-failure.png") }).catch(() => undefined);
    throw error;
  } finally {
    await proxy.cut();
  }
}, 90_000);
