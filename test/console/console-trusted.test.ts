import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { dataOf, gql } from "../support/client";
import { createKey, createMember, signUp, SignedUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { artifactPath, CHROMIUM, openOfflineBrowser, OfflineBrowser } from "../ide/browser";
import { buildConsoleOnce, keyRow, seriousViolations, signInThroughForm } from "./console-support";

// Contract section 12, "Console": the Trusted operations and Policy pages, the key's trusted
// operations in the create dialog and on its page, its Policy violations, and policy refusals
// beside their field. The tests run in order on one workspace.

let server: TestServer;
let browser: OfflineBrowser;
let admin: SignedUp;

const LIST = `{ trustedOperations { totalCount nodes { id name } } }`;
const KEY = `query($id: ID!) { apiKey(id: $id) { trustedOperations { id name } policyViolations } }`;
const POLICY = `{ workspacePolicy { maxKeyLifetimeDays requireExpiry requireAllowedCidrs requireTrustedOperations } }`;
const idOf = (document: string) => `sha256:${createHash("sha256").update(document, "utf8").digest("hex")}`;

// Two documents as a person pastes them, each ending with its line break, a `---` line between.
const AGENTS = "query Agents {\n  agents(first: 5) {\n    nodes {\n      id\n    }\n  }\n}\n";
const CALLS = "query RecentCalls {\n  calls(first: 5) {\n    totalCount\n  }\n}\n";

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  await buildConsoleOnce();
  server = await startTestServer();
  browser = await openOfflineBrowser();
  admin = await signUp(server.url, "Trusted console");
}, 60_000);

afterEach(async () => {
  const name = expect
    .getState()
    .currentTestName?.replace(/[^a-z0-9]+/gi, "-")
    .slice(-60);
  await browser.page.screenshot({ path: artifactPath(`console-trusted-${name}.png`) }).catch(() => undefined);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("trusted operations and the workspace policy in the key console", () => {
  it("adds several documents through `Add trusted operations`, each trusted exactly as written, and lists them", async () => {
    const { page } = browser;
    await signInThroughForm(page, server.port, admin.email);
    await page.getByRole("link", { name: "Trusted operations", exact: true }).click();
    await page.getByRole("heading", { name: "Trusted operations", level: 1 }).waitFor();
    await page.getByText("No trusted operations yet.").waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole("button", { name: "Add trusted operations" }).click();
    const dialog = page.getByRole("dialog", { name: "Add trusted operations" });
    await dialog.getByLabel("Documents").fill(`${AGENTS}---\n${CALLS}`);
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Add documents" }).click();
    await page.getByRole("status").filter({ hasText: "Trusted 2 operations: Agents, RecentCalls." }).waitFor();

    const table = page.getByRole("region", { name: "Trusted operations" });
    for (const [name, document] of [
      ["Agents", AGENTS],
      ["RecentCalls", CALLS],
    ]) {
      const row = table.getByRole("row").filter({ has: page.getByRole("cell", { name, exact: true }) });
      await row.getByRole("cell", { name: idOf(document) }).waitFor();
    }
    expect(dataOf(await gql(server.url, LIST, {}, admin.token)).trustedOperations.nodes).toEqual([
      { id: idOf(CALLS), name: "RecentCalls" },
      { id: idOf(AGENTS), name: "Agents" },
    ]);
    expect(await seriousViolations(page)).toEqual([]);
  }, 60_000);

  it("shows the API's refusal of each bad document, naming its index and reason, and adds nothing", async () => {
    const { page } = browser;
    await page.getByRole("button", { name: "Add trusted operations" }).click();
    const dialog = page.getByRole("dialog", { name: "Add trusted operations" });
    await dialog.getByLabel("Documents").fill("query Fine { viewer { kind } }\n---\nquery Broken {\n---\nquery Unknown { nothingHere }\n");
    await dialog.getByRole("button", { name: "Add documents" }).click();
    await dialog.getByText("Nothing was added.").waitFor();
    await dialog
      .getByRole("listitem")
      .filter({ hasText: /^Document 2 \(documents\.1\) cannot be parsed: Syntax Error/ })
      .waitFor();
    await dialog
      .getByRole("listitem")
      .filter({ hasText: /^Document 3 \(documents\.2\) is not valid against the schema: .*nothingHere/ })
      .waitFor();
    expect(await dialog.getByRole("listitem").count()).toBe(2);
    // The field is described by the refusal, so a screen reader reads it with the field.
    expect(await dialog.getByLabel("Documents").getAttribute("aria-invalid")).toBe("true");
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(dataOf(await gql(server.url, LIST, {}, admin.token)).trustedOperations.totalCount).toBe(2);
  }, 30_000);

  it("creates a key held to trusted operations chosen in the create dialog; its page lists them", async () => {
    const { page } = browser;
    const dialog = await openCreateDialog();
    await dialog.getByLabel("Name").fill("Agents only");
    await dialog.getByLabel("Agents read").check();
    const choice = dialog.getByRole("group", { name: "Trusted operations" });
    await choice.getByRole("checkbox", { name: /^Agents sha256:/ }).check();
    expect(await choice.getByRole("checkbox", { name: /^RecentCalls sha256:/ }).isChecked()).toBe(false);
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Create key" }).click();
    const secret = await page.getByRole("dialog", { name: "Your new API key" }).getByLabel("Secret").inputValue();
    await page.getByRole("button", { name: "Done" }).click();

    // The key runs the chosen document and nothing else.
    expect((await gql(server.url, AGENTS, {}, secret)).status).toBe(200);
    expect((await gql(server.url, CALLS, {}, secret)).status).toBe(403);

    await keyRow(page, "Active", "Agents only").getByRole("link", { name: "Agents only" }).click();
    await page.getByRole("heading", { name: "Agents only", level: 1 }).waitFor();
    const listed = page.getByRole("list", { name: "Trusted operations" });
    await listed
      .getByRole("listitem")
      .filter({ hasText: idOf(AGENTS) })
      .waitFor();
    expect(await listed.getByRole("listitem").allTextContents()).toEqual([`Agents ${idOf(AGENTS)}`]);
    await page.getByText("None: this key meets the workspace policy.").waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  }, 30_000);

  it("lets an ADMIN edit the four policy fields on the Policy page, with the API's refusal beside its field", async () => {
    const { page } = browser;
    await page.getByRole("link", { name: "Policy", exact: true }).click();
    await page.getByRole("heading", { name: "Policy", level: 1 }).waitFor();
    const days = page.getByLabel("Maximum key lifetime (days)");
    await days.waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await days.fill("0");
    await page.getByRole("button", { name: "Save policy" }).click();
    await page.getByText("Maximum key lifetime (days) must be an integer from 1 to 3650 days, or null to remove it.").waitFor();
    expect(await days.getAttribute("aria-invalid")).toBe("true");

    await days.fill("30");
    await page.getByLabel("Require an expiry date on every key").check();
    await page.getByLabel("Require trusted operations on every key").check();
    await page.getByRole("button", { name: "Save policy" }).click();
    await page.getByRole("status").filter({ hasText: "Policy saved." }).waitFor();
    expect(dataOf(await gql(server.url, POLICY, {}, admin.token)).workspacePolicy).toEqual({
      maxKeyLifetimeDays: 30,
      requireExpiry: true,
      requireAllowedCidrs: false,
      requireTrustedOperations: true,
    });
    await page.reload();
    expect(await page.getByLabel("Maximum key lifetime (days)").inputValue()).toBe("30");
    expect(await page.getByLabel("Require an expiry date on every key").isChecked()).toBe(true);
    expect(await page.getByLabel("Require allowed addresses on every key").isChecked()).toBe(false);
    expect(await seriousViolations(page)).toEqual([]);
  }, 30_000);

  it("lists, on a key's page, the policies a key made before them breaks", async () => {
    const { page } = browser;
    const old = await createKeyBeforePolicy();
    await page.goto(`http://127.0.0.1:${server.port}/console#/keys/${old}`);
    await page.getByRole("heading", { name: "Made before the policy", level: 1 }).waitFor();
    await page.getByText("Any operation: this key is not held to trusted operations.").waitFor();
    const violations = page.getByRole("list", { name: "Policy violations" });
    await violations.getByRole("listitem").first().waitFor();
    expect(await violations.getByRole("listitem").allTextContents()).toEqual([
      "Lives longer than the 30 days the policy allows, or never expires (maxKeyLifetimeDays)",
      "Has no expiry date, which the policy requires (requireExpiry)",
      "Is not held to trusted operations, which the policy requires (requireTrustedOperations)",
    ]);
    expect(dataOf(await gql(server.url, KEY, { id: old }, admin.token)).apiKey.policyViolations).toEqual([
      "maxKeyLifetimeDays",
      "requireExpiry",
      "requireTrustedOperations",
    ]);
    expect(await seriousViolations(page)).toEqual([]);
  }, 30_000);

  it("shows the policy's refusal of a new key beside the field it names", async () => {
    const { page } = browser;
    const dialog = await openCreateDialog();
    await dialog
      .getByText("The workspace policy requires every new key to expire within 30 days and be held to trusted operations.")
      .waitFor();
    await dialog.getByLabel("Name").fill("Free for all");
    await dialog.getByLabel("Calls read").check();
    await dialog.getByRole("button", { name: "Create key" }).click();
    const expiry = "Expiry date is refused: the workspace policy allows keys to live at most 30 days: set an expiry within that.";
    const trusted = "Trusted operations is refused: the workspace policy requires every key to be held to trusted operations.";
    await dialog.getByText(expiry).waitFor();
    await dialog.getByRole("group", { name: "Trusted operations" }).getByText(trusted).waitFor();
    expect(await dialog.getByLabel("Expiry date").getAttribute("aria-invalid")).toBe("true");
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Cancel" }).click();
    const keys = dataOf(await gql(server.url, `{ apiKeys { nodes { name } } }`, {}, admin.token)).apiKeys.nodes;
    expect(keys.map((k: { name: string }) => k.name)).not.toContain("Free for all");
  }, 30_000);

  it("shows the policy's refusal of a rotation in the rotate dialog, naming the key's fields", async () => {
    const { page } = browser;
    await keyRow(page, "Active", "Made before the policy").getByRole("button", { name: "Rotate" }).click();
    const dialog = page.getByRole("dialog", { name: "Rotate API key" });
    await dialog.getByRole("button", { name: "Rotate key" }).click();
    const refusal = dialog.getByRole("alert");
    await refusal.getByText("Expiry date is refused: the workspace policy allows keys to live at most 30 days").waitFor();
    await refusal
      .getByText("Trusted operations is refused: the workspace policy requires every key to be held to trusted operations.")
      .waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await keyRow(page, "Active", "Made before the policy").count()).toBe(1);
  }, 30_000);

  it("shows a SECURITY member the policy and the trusted operations, with nothing to change them", async () => {
    const { page } = browser;
    const security = await createMember(server.url, admin.token, "SECURITY");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await signInThroughForm(page, server.port, security.email);
    await page.getByRole("link", { name: "Policy", exact: true }).click();
    const settings = page.getByRole("region", { name: "Workspace policy" });
    await settings.getByText("Only ADMIN members change the policy.").waitFor();
    expect(await settings.getByRole("definition").allTextContents()).toEqual(["30", "Yes", "No", "Yes"]);
    expect(await settings.getByRole("term").allTextContents()).toEqual([
      "Maximum key lifetime (days)",
      "Require an expiry date on every key",
      "Require allowed addresses on every key",
      "Require trusted operations on every key",
    ]);
    expect(await page.getByRole("button", { name: "Save policy" }).count()).toBe(0);
    expect(await page.getByRole("textbox").count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole("link", { name: "Trusted operations", exact: true }).click();
    await page.getByRole("cell", { name: idOf(AGENTS) }).waitFor();
    expect(await page.getByRole("button", { name: "Add trusted operations" }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
  }, 30_000);

  it("made no request outside this machine and logged no error", () => {
    expect(browser.blocked).toEqual([]);
    expect(browser.problems).toEqual([]);
  });
});

/** `Create an API key`, opened from the keys page as a person would. */
async function openCreateDialog() {
  const { page } = browser;
  await page.getByRole("link", { name: "API keys" }).click();
  await page.getByRole("button", { name: "Create API key" }).click();
  return page.getByRole("dialog", { name: "Create an API key" });
}

/** A key with no expiry and no list, made while the policy was lifted for a moment, as an older key would be. */
async function createKeyBeforePolicy(): Promise<string> {
  const set = `mutation($input: WorkspacePolicyInput!) { updateWorkspacePolicy(input: $input) { requireExpiry } }`;
  const current = dataOf(await gql(server.url, POLICY, {}, admin.token)).workspacePolicy;
  const lifted = { maxKeyLifetimeDays: null, requireExpiry: false, requireAllowedCidrs: false, requireTrustedOperations: false };
  dataOf(await gql(server.url, set, { input: lifted }, admin.token));
  const key = await createKey(server.url, admin.token, [{ resource: "CALLS", read: true }], { name: "Made before the policy" });
  dataOf(await gql(server.url, set, { input: current }, admin.token));
  return key.id;
}
