import { existsSync, readFileSync } from "node:fs";
import type { Locator, Page } from "playwright-core";
import { buildConsole } from "../../src/console/build-console";
import { PASSWORD } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { artifactPath, CHROMIUM, openOfflineBrowser, OfflineBrowser } from "../ide/browser";

let built: Promise<void> | undefined;
/** `npm test` does not run `npm run build`: build the bundle the server serves, once per process. */
export function buildConsoleOnce(): Promise<void> {
  built ??= buildConsole();
  return built;
}

/**
 * A test server on a given port, e.g. a "restarted" one where the browser expects the old one:
 * started on a free port as usual, then moved (nothing has connected to it yet).
 */
export async function startTestServerOn(port: number): Promise<TestServer> {
  const server = await startTestServer();
  await new Promise<void>((resolve, reject) => server.app.httpServer.close((error) => (error ? reject(error) : resolve())));
  await server.app.listen(port, "127.0.0.1");
  return { ...server, port, url: `http://127.0.0.1:${port}/graphql`, wsUrl: `ws://127.0.0.1:${port}/graphql` };
}

export const consoleUrl = (port: number) => `http://127.0.0.1:${port}/console`;

/** Signs in through the form, as a person would, and waits for the keys page. */
export async function signInThroughForm(page: Page, port: number, email: string, password = PASSWORD): Promise<void> {
  await page.goto(consoleUrl(port));
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "API keys", level: 1 }).waitFor();
}

/** The number `Requests (live)` shows. */
export async function liveCount(page: Page): Promise<number> {
  return Number((await page.getByLabel("Requests (live)").textContent())!.replace(/[^0-9]/g, ""));
}

/** Waits until `Requests (live)` shows more than `than`, and returns it. */
export async function liveCountAbove(page: Page, than: number, timeout = 10_000): Promise<number> {
  // Runs in the page; `globalThis` because these tests compile without the DOM's types.
  const above = (n: number) => Number((globalThis as any).document.querySelector(".live-value")?.textContent.replace(/[^0-9]/g, "")) > n;
  await page.waitForFunction(above, than, { timeout, polling: 50 });
  return liveCount(page);
}

/** The table row of a key in a section of the keys page (`Active`, `Revoked / Expired`). */
export function keyRow(page: Page, section: string, name: string): Locator {
  return page
    .getByRole("region", { name: new RegExp(`^${section.replace(/[/]/g, "\\/")}`) })
    .getByRole("row")
    .filter({ has: page.getByRole("link", { name, exact: true }) });
}

const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/**
 * axe-core's serious and critical violations on the page as it is now. The script is evaluated
 * through the DevTools protocol, which the page's CSP (scripts from this server only) allows.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] = await page.evaluate(
    `axe.run(document, { resultTypes: ["violations"] }).then((result) => result.violations)`,
  );
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

/** Every value in the page's localStorage and every cookie of its context, as one string. */
export async function persistentStorage(page: Page): Promise<{ local: string; cookies: string }> {
  const local: string = await page.evaluate("JSON.stringify(Object.entries(localStorage))");
  const cookies = JSON.stringify(await page.context().cookies());
  return { local, cookies };
}

/**
 * A console test file's server and offline browser, started before its tests and stopped after
 * them, with a screenshot of the page after each test (`test-artifacts/<prefix>-<test>.png`).
 */
export function consoleFixture(prefix: string): { server: TestServer; browser: OfflineBrowser } {
  const fixture = {} as { server: TestServer; browser: OfflineBrowser };
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    await buildConsoleOnce();
    fixture.server = await startTestServer();
    fixture.browser = await openOfflineBrowser();
  }, 60_000);
  afterEach(() => screenshotTest(fixture.browser?.page, prefix));
  afterAll(async () => {
    await fixture.browser?.close();
    await fixture.server?.stop();
  });
  return fixture;
}

/** What the page showed at the end of the current test (`test-artifacts/<prefix>-<test>.png`): the first thing to look at when it failed. */
export async function screenshotTest(page: Page | undefined, prefix: string): Promise<void> {
  const name = expect
    .getState()
    .currentTestName?.replace(/[^a-z0-9]+/gi, "-")
    .slice(0, 60);
  await page?.screenshot({ path: artifactPath(`${prefix}-${name}.png`) }).catch(() => undefined);
}
