import { existsSync } from "node:fs";
import { gql } from "../support/client";
import { createKey, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { artifactPath, CHROMIUM, openOfflineBrowser, OfflineBrowser } from "../ide/browser";
import { buildConsoleOnce, seriousViolations, signInThroughForm } from "./console-support";

/**
 * The Alerts page against the `securityAlerts` query and subscription (key safety alerts).
 * A FORBIDDEN_BURST alert is raised within 5 s of 20 refused requests of one key in 60 s.
 */
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

it("the Alerts page shows a new alert live, and the stored one after a reload", async () => {
  const { page } = browser;
  try {
    const admin = await signUp(server.url, "Alerts");
    const key = await createKey(server.url, admin.token, [{ resource: "CALLS", read: true }]);
    await signInThroughForm(page, server.port, admin.email);
    await page.getByRole("link", { name: "Alerts" }).click();
    await page.getByRole("heading", { name: "Alerts", level: 1 }).waitFor();
    await page.getByText("No alerts.").waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    // Twenty requests the key may not make: a burst of refusals.
    for (let i = 0; i < 20; i++) expect((await gql(server.url, "query Probe { leads { totalCount } }", {}, key.secret)).status).toBe(403);
    const alerts = page.getByRole("region", { name: "Security alerts" });
    await alerts.getByText("Forbidden burst").waitFor({ timeout: 15_000 });
    await alerts.getByRole("link", { name: "Test key" }).waitFor();

    await page.reload();
    await page.getByRole("region", { name: "Security alerts" }).getByText("Forbidden burst").waitFor();
    expect(browser.blocked).toEqual([]);
    expect(browser.problems).toEqual([]);
  } catch (error) {
    await page.screenshot({ path: artifactPath("console-alerts-failure.png") }).catch(() => undefined);
    if (browser.problems.length) console.error(`browser problems:\n${browser.problems.join("\n")}`);
    throw error;
  }
}, 60_000);
