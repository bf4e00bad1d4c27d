import { existsSync } from "node:fs";
import { dataOf, gql } from "../support/client";
import { createMember, signUp, SignedUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { CHROMIUM, openOfflineBrowser, OfflineBrowser } from "../ide/browser";
import {
  buildConsoleOnce,
  consoleUrl,
  keyRow,
  liveCount,
  liveCountAbove,
  persistentStorage,
  screenshotTest,
  seriousViolations,
  signInThroughForm,
} from "./console-support";

let server: TestServer;
let browser: OfflineBrowser;
let admin: SignedUp;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  await buildConsoleOnce();
  server = await startTestServer();
  browser = await openOfflineBrowser();
  admin = await signUp(server.url, "Console");
}, 60_000);

afterEach(() => screenshotTest(browser?.page, "console"));

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("GET /console", () => {
  it("serves the page and its assets from this server, locked to it by a CSP", async () => {
    const response = await fetch(consoleUrl(server.port));
    expect(response.status).toBe(200);
    const csp = response.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe");
    const html = await response.text();
    expect(html).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    for (const file of ["console.js", "console.css"])
      expect([file, (await fetch(`${consoleUrl(server.port)}/assets/${file}`)).status]).toEqual([file, 200]);
    expect((await fetch(`${consoleUrl(server.port)}/assets/nothing.js`)).status).toBe(404);
  });
});

describe("the key console in a browser with no internet", () => {
  let secret = "";
  const keyName = "Production Backend";

  it("signs in, creates a key through the dialog and shows its secret exactly once", async () => {
    const { page } = browser;
    await page.goto(consoleUrl(server.port));
    expect(await seriousViolations(page)).toEqual([]);
    await signInThroughForm(page, server.port, admin.email);
    await page
      .getByRole("region", { name: /^Active/ })
      .getByText("No active keys yet")
      .waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole("button", { name: "Create API key" }).click();
    const dialog = page.getByRole("dialog", { name: "Create an API key" });
    await dialog.getByLabel("Name").fill(keyName);
    await dialog.getByLabel("Calls read").check();
    await dialog.getByLabel("Analytics read").check();
    expect(await dialog.getByLabel("Analytics write").count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Create key" }).click();

    const shown = page.getByRole("dialog", { name: "Your new API key" });
    secret = await shown.getByLabel("Secret").inputValue();
    expect(secret).toMatch(/^gqk_[0-9A-Za-z]{38}$/);
    await shown.getByText("It will not be shown again").waitFor();
    await shown.getByRole("button", { name: "Copy" }).waitFor();
    await shown.getByRole("button", { name: "Done" }).click();
    await keyRow(page, "Active", keyName).waitFor();
    // Gone from the page once closed: nothing in the DOM holds it any more.
    expect(await page.content()).not.toContain(secret);
  }, 60_000);

  it("shows `Requests (live)` move within 2 s of a request made with the key", async () => {
    const { page } = browser;
    await page.getByRole("link", { name: keyName }).click();
    await page.getByRole("heading", { name: keyName, level: 1 }).waitFor();
    await page.getByLabel("Granularity").waitFor();
    await page.getByText("No requests yet.").waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    // `Live` once the subscription's first message (the current counters) arrived: from then on it follows.
    await page.getByText("Live", { exact: true }).waitFor();
    const before = await liveCount(page);

    const sent = Date.now();
    dataOf(await gql(server.url, "query FromTheTest { viewer { kind } }", {}, secret));
    const after = await liveCountAbove(page, before, 2000);
    expect(Date.now() - sent).toBeLessThan(2000);
    expect(after).toBe(before + 1);
    // The live events table shows the same request.
    await page
      .getByRole("table", { name: "Requests made with this key" })
      .getByRole("cell", { name: /FromTheTest/ })
      .waitFor();
  }, 30_000);

  it("revokes the key with a reason: it moves to Revoked / Expired and the key gets 401", async () => {
    const { page } = browser;
    await page.getByRole("link", { name: "API keys" }).click();
    await keyRow(page, "Active", keyName).getByRole("button", { name: "Revoke" }).click();
    const dialog = page.getByRole("dialog", { name: "Revoke API key" });
    await dialog.getByLabel("Reason").fill("Rotated out after the test");
    await dialog.getByRole("button", { name: "Revoke key" }).click();
    await keyRow(page, "Revoked / Expired", keyName).getByText("REVOKED").waitFor();
    expect(await keyRow(page, "Active", keyName).count()).toBe(0);
    const refused = await gql(server.url, "{ viewer { kind } }", {}, secret);
    expect(refused.status).toBe(401);
  }, 30_000);

  it("shows the API's empty-grant error beside the permissions", async () => {
    const { page } = browser;
    await page.getByRole("button", { name: "Create API key" }).click();
    const dialog = page.getByRole("dialog", { name: "Create an API key" });
    await dialog.getByLabel("Name").fill("No grants");
    await dialog.getByRole("button", { name: "Create key" }).click();
    const permissions = dialog.getByRole("group", { name: "Permissions" });
    await permissions.getByText("Permissions must grant at least one read or write permission.").waitFor();
    await expectDescribedBy(permissions, "must grant at least one");
    await dialog.getByRole("button", { name: "Cancel" }).click();
  }, 30_000);

  it("rotates a key with a grace period: the new secret is shown once and both keys work during the grace", async () => {
    const { page } = browser;
    const old = dataOf(
      await gql(
        server.url,
        `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`,
        { input: { name: "Nightly export", permissions: [{ resource: "CALLS", read: true }] } },
        admin.token,
      ),
    ).createApiKey.secret;
    await page.reload();
    await keyRow(page, "Active", "Nightly export").getByRole("button", { name: "Rotate" }).click();
    const dialog = page.getByRole("dialog", { name: "Rotate API key" });
    await dialog.getByLabel("Grace period").selectOption({ label: "1 hour" });
    await dialog.getByRole("button", { name: "Rotate key" }).click();
    const shown = page.getByRole("dialog", { name: "Your rotated API key" });
    const rotated = await shown.getByLabel("Secret").inputValue();
    expect(rotated).toMatch(/^gqk_/);
    expect(rotated).not.toBe(old);
    await shown.getByRole("button", { name: "Done" }).click();
    await expect(keyRow(page, "Active", "Nightly export").count()).resolves.toBe(2);
    for (const secret of [old, rotated]) expect((await gql(server.url, "{ viewer { kind } }", {}, secret)).status).toBe(200);
  }, 30_000);

  it("lists members and adds one with a role (ADMIN), and shows the audit log", async () => {
    const { page } = browser;
    await page.getByRole("link", { name: "Members" }).click();
    await page.getByRole("heading", { name: "Members", level: 1 }).waitFor();
    await page.getByRole("cell", { name: admin.email }).waitFor();
    await page.getByRole("button", { name: "Add member" }).click();
    const dialog = page.getByRole("dialog", { name: "Add a member" });
    const email = `watcher-${Date.now()}@example.test`;
    await dialog.getByLabel("Email").fill(email);
    await dialog.getByLabel("Password").fill("short");
    await dialog.getByLabel("Role").selectOption("SECURITY");
    await dialog.getByRole("button", { name: "Create member" }).click();
    await dialog.getByText("Password must be at least 12 characters.").waitFor();
    await dialog.getByLabel("Password").fill("a long enough passphrase");
    await dialog.getByRole("button", { name: "Create member" }).click();
    await page.getByRole("row").filter({ hasText: email }).getByRole("cell", { name: "SECURITY" }).waitFor();
    await page.getByRole("link", { name: "Audit log" }).click();
    await page.getByRole("cell", { name: "Member created" }).first().waitFor();
    await page.getByRole("cell", { name: "Api key rotated" }).first().waitFor();
  }, 30_000);

  it("keeps no secret or session token in localStorage or a cookie", async () => {
    const { page } = browser;
    const token: string = await page.evaluate("Object.values(sessionStorage).join(' ')");
    expect(token).toMatch(/gqs_/);
    const stored = await persistentStorage(page);
    expect(stored.local).toBe("[]");
    expect(stored.cookies).toBe("[]");
    expect(stored.local + stored.cookies).not.toMatch(/gq[sk]_/);
  });

  it("returns to the sign-in form with a message when the session ends", async () => {
    const { page } = browser;
    const token: string = await page.evaluate("Object.values(sessionStorage).find((v) => v.startsWith('gqs_'))");
    const before = browser.problems.length;
    dataOf(await gql(server.url, "mutation { signOut }", {}, token));
    // Either way ends it: the next request meets 401, or the session's live socket is closed (4401)
    // first, and the navigation is gone before it can be clicked.
    const message = page.getByText("Your session has expired. Sign in again.");
    const link = page.getByRole("link", { name: "Audit log" });
    await link.or(message).first().waitFor();
    if (!(await message.isVisible()))
      await link.click({ timeout: 5_000 }).catch(async (error) => {
        if (!(await message.isVisible())) throw error;
      });
    await message.waitFor();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    expect(await page.evaluate("sessionStorage.length")).toBe(0);
    // The browser logs the refused request itself (401); it is this test's doing, not a fault.
    const logged = browser.problems.splice(before);
    expect(logged.every((p) => p.includes("status of 401"))).toBe(true);
  }, 30_000);

  it("shows a SECURITY member live counts and no Create API key, Rotate or Members, and lets them revoke", async () => {
    const { page } = browser;
    const security = await createMember(server.url, admin.token, "SECURITY");
    const watched = dataOf(
      await gql(
        server.url,
        `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`,
        { input: { name: "Watched", permissions: [{ resource: "LEADS", read: true }] } },
        admin.token,
      ),
    ).createApiKey.secret;
    await signInThroughForm(page, server.port, security.email);
    const row = keyRow(page, "Active", "Watched");
    await row.getByRole("button", { name: "Revoke" }).waitFor();
    // The table's counts follow apiKeyUsage. graphql-ws does not acknowledge a subscribe, so
    // requests are made until one reaches the page (a bounded number of tries).
    const last24h = row.getByRole("cell").nth(4);
    expect(await last24h.textContent()).toBe("0");
    for (let i = 0; i < 10 && (await last24h.textContent()) === "0"; i++) {
      dataOf(await gql(server.url, "{ viewer { kind } }", {}, watched));
      await last24h
        .filter({ hasNotText: /^0$/ })
        .waitFor({ timeout: 2000 })
        .catch(() => undefined);
    }
    expect(Number(await last24h.textContent())).toBeGreaterThan(0);
    expect(await page.getByRole("button", { name: "Create API key" }).count()).toBe(0);
    expect(await row.getByRole("button", { name: "Rotate" }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "Members" }).count()).toBe(0);
    await row.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("dialog", { name: "Revoke API key" }).getByRole("button", { name: "Revoke key" }).click();
    await keyRow(page, "Revoked / Expired", "Watched").waitFor();
    await page.getByRole("link", { name: "Audit log" }).click();
    await page.getByRole("heading", { name: "Audit log" }).waitFor();
  }, 30_000);

  it("made no request outside this machine and logged no error", () => {
    expect(browser.blocked).toEqual([]);
    expect(browser.problems).toEqual([]);
  });
});

/** The group's accessible description (aria-describedby) carries the message. */
async function expectDescribedBy(group: import("playwright-core").Locator, text: string): Promise<void> {
  const ids = ((await group.getAttribute("aria-describedby")) ?? "").split(" ").filter(Boolean);
  const description = (await Promise.all(ids.map((id) => group.page().locator(`[id="${id}"]`).textContent()))).join(" ");
  expect(description).toContain(text);
}
