// Screenshots of the key console for docs/API.md, taken from the real page: starts the built
// server (`npm run build` first) on the embedded database in a temporary DATA_DIR (or on
// DATABASE_URL when set), fills a workspace over the public API, and photographs the pages in
// headless Chromium. Run with `npm run screenshots`; writes docs/console-*.png.
import { ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, Page } from "playwright-core";

const ROOT = join(__dirname, "..");
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const PASSWORD = "a long screenshot passphrase";

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function gql<T = unknown>(
  base: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<{ data: T }> {
  const response = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data: T };
}

async function startServer(port: number, dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(ROOT, "dist/src/main.js")], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "warn" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return child;
    if (Date.now() > deadline) throw new Error("the server did not become ready in 60 s");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id } } }`;

const SYNC_CONTACTS = "query SyncContacts { contacts(first: 5) { totalCount } }";
const TRUSTED = [
  SYNC_CONTACTS,
  "query RecentCalls {\n  calls(first: 10) {\n    nodes {\n      id\n      status\n      createdAt\n    }\n  }\n}\n",
  "query AgentRoster {\n  agents(first: 50) {\n    nodes {\n      id\n      name\n    }\n  }\n}\n",
];

/**
 * A workspace with a few keys, some traffic, a revoked key, a SECURITY member, trusted operations
 * (one key held to one of them) and, set last, a policy the older keys break.
 */
async function seed(base: string): Promise<{ email: string; keyId: string }> {
  const email = "admin@acme.example";
  const { data } = await gql<{ signUp: { token: string } }>(base, `mutation($input: SignUpInput!) { signUp(input: $input) { token } }`, {
    input: { workspaceName: "Acme Voice", email, password: PASSWORD },
  });
  const admin = data.signUp.token as string;
  await gql(
    base,
    `mutation($input: CreateMemberInput!) { createMember(input: $input) { id } }`,
    { input: { email: "security@acme.example", password: PASSWORD, role: "SECURITY" } },
    admin,
  );
  const create = async (name: string, permissions: object[], extra: object = {}) =>
    (
      await gql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
        base,
        CREATE,
        { input: { name, permissions, ...extra } },
        admin,
      )
    ).data.createApiKey;
  const trusted = (
    await gql<{ addTrustedOperations: { id: string }[] }>(
      base,
      `mutation($documents: [String!]!) { addTrustedOperations(documents: $documents) { id } }`,
      { documents: TRUSTED },
      admin,
    )
  ).data.addTrustedOperations;
  const old = await create("Legacy Zapier", [{ resource: "LEADS", read: true, write: true }]);
  await gql(
    base,
    `mutation($id: ID!) { revokeApiKey(id: $id, reason: "Replaced by CRM Integration") { id } }`,
    { id: old.apiKey.id },
    admin,
  );
  await create("Reporting", [{ resource: "ANALYTICS", read: true }], { expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString() });
  const crm = await create(
    "CRM Integration",
    [
      { resource: "CONTACTS", read: true, write: true },
      { resource: "LEADS", read: true, write: true },
    ],
    { trustedOperationIds: [trusted[0].id], expiresAt: new Date(Date.now() + 60 * 86_400_000).toISOString() },
  );
  const backend = await create("Production Backend", [
    { resource: "CALLS", read: true, write: true },
    { resource: "AGENTS", read: true },
    { resource: "ANALYTICS", read: true },
  ]);
  for (let i = 0; i < 9; i++) await gql(base, SYNC_CONTACTS, {}, crm.secret);
  for (let i = 0; i < 24; i++) await gql(base, `query RecentCalls { calls(first: 10) { totalCount } }`, {}, backend.secret);
  for (let i = 0; i < 3; i++) await gql(base, `query ListLeads { leads { totalCount } }`, {}, backend.secret);
  await gql(base, `query { viewer { kind } }`, {}, old.secret);
  // Counted once the recorder has flushed (about a second): wait until the counters show it.
  for (let tries = 0; tries < 50; tries++) {
    const usage = (
      await gql<{ apiKey: { usage: { last24h: number } } }>(
        base,
        `query($id: ID!) { apiKey(id: $id) { usage { last24h } } }`,
        { id: backend.apiKey.id },
        admin,
      )
    ).data.apiKey.usage.last24h;
    if (usage >= 27) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await gql(
    base,
    `mutation($input: WorkspacePolicyInput!) { updateWorkspacePolicy(input: $input) { requireExpiry } }`,
    { input: { maxKeyLifetimeDays: 90, requireExpiry: true, requireTrustedOperations: true } },
    admin,
  );
  return { email, keyId: backend.apiKey.id };
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ROOT, "docs", name) });
  console.log(`wrote docs/${name}`);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "grantql-screenshots-"));
  const port = await freePort();
  const server = await startServer(port, dataDir);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const base = `http://127.0.0.1:${port}`;
    const { email, keyId } = await seed(base);
    const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    await page.goto(`${base}/console`);
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("link", { name: "Production Backend" }).waitFor();
    await page.getByRole("link", { name: "Legacy Zapier" }).waitFor();
    await shoot(page, "console-keys.png");

    await page.getByRole("button", { name: "Create API key" }).click();
    const dialog = page.getByRole("dialog", { name: "Create an API key" });
    await dialog.getByLabel("Name").fill("Support Dashboard");
    for (const box of ["Calls read", "Contacts read", "Contacts write"]) await dialog.getByLabel(box).check();
    await dialog.getByRole("checkbox", { name: /^RecentCalls / }).check();
    await page.setViewportSize({ width: 1280, height: 1100 });
    await shoot(page, "console-create-key.png");
    await dialog.getByRole("button", { name: "Cancel" }).click();

    await page.setViewportSize({ width: 1280, height: 1000 });
    await page.goto(`${base}/console#/keys/${keyId}`);
    await page.getByText("Live", { exact: true }).waitFor();
    await page
      .getByRole("cell", { name: /ListLeads/ })
      .first()
      .waitFor();
    await shoot(page, "console-key.png");
    // Below the chart: what the key may run and the policies it breaks.
    await page.getByRole("list", { name: "Policy violations" }).waitFor();
    await page.locator(".key-trust").screenshot({ path: join(ROOT, "docs", "console-key-trust.png") });
    console.log("wrote docs/console-key-trust.png");

    await page.setViewportSize({ width: 1280, height: 620 });
    await page.getByRole("link", { name: "Trusted operations", exact: true }).click();
    await page.getByRole("cell", { name: "AgentRoster" }).waitFor();
    await shoot(page, "console-trusted-operations.png");

    await page.getByRole("link", { name: "Policy", exact: true }).click();
    await page.getByLabel("Maximum key lifetime (days)").waitFor();
    await shoot(page, "console-policy.png");
  } finally {
    await browser.close();
    server.kill("SIGTERM");
    await new Promise((resolve) => server.once("exit", resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
