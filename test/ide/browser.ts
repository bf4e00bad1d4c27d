import { EventEmitter } from "node:events";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BrowserContext, chromium, Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/** Flags that keep Chromium from calling home, so any outside request is the page's doing. */
const QUIET_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface OfflineBrowser {
  context: BrowserContext;
  page: Page;
  /** Every request to anything but this machine, refused before it left. */
  blocked: string[];
  /** Console errors, uncaught page errors and CSP violations. */
  problems: string[];
  /** Resolves with the first graphql-ws message received from now on that satisfies `test`. */
  nextSocketMessage(test: (message: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}

function isLocal(url: string): boolean {
  const parsed = new URL(url);
  if (["data:", "blob:", "about:"].includes(parsed.protocol)) return true;
  return ["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname);
}

/** Headless Debian Chromium with a fresh profile, every non-local request blocked and counted. */
export async function openOfflineBrowser(): Promise<OfflineBrowser> {
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "grantql-chromium-")), {
    executablePath: CHROMIUM,
    headless: true,
    args: QUIET_FLAGS,
    viewport: { width: 1440, height: 900 },
  });
  const blocked: string[] = [];
  const problems: string[] = [];
  await context.route("**/*", async (route) => {
    const url = route.request().url();
    if (isLocal(url)) return route.continue();
    blocked.push(url);
    return route.abort("blockedbyclient");
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const received = new EventEmitter();
  page.on("websocket", (socket) => {
    if (!isLocal(socket.url())) blocked.push(socket.url());
    socket.on("framereceived", ({ payload }) => received.emit("message", JSON.parse(String(payload))));
  });
  const nextSocketMessage = (test: (message: any) => boolean, timeoutMs = 20_000) =>
    new Promise<any>((resolve, reject) => {
      const seen: unknown[] = [];
      // A deadline so a missing message fails with what did arrive, not as a bare jest timeout.
      const timer = setTimeout(() => {
        received.off("message", listen);
        reject(new Error(`no matching graphql-ws message in ${timeoutMs} ms; received ${JSON.stringify(seen)}`));
      }, timeoutMs);
      const listen = (message: unknown) => {
        seen.push(message);
        if (!test(message)) return;
        clearTimeout(timer);
        received.off("message", listen);
        resolve(message);
      };
      received.on("message", listen);
    });
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page: ${error.message}`));
  return { context, page, blocked, problems, nextSocketMessage, close: () => context.close() };
}

/** Replaces the whole text of a Monaco editor the way a user would: select all, then type. */
export async function replaceEditorText(page: Page, editorSelector: string, text: string): Promise<void> {
  const editor = page.locator(`${editorSelector} .monaco-editor`).filter({ visible: true }).first();
  await editor.click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(text);
}

export function artifactPath(name: string): string {
  const dir = join(__dirname, "..", "..", "test-artifacts");
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
