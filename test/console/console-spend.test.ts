import { dataOf, gql } from "../support/client";
import { signUp, SignedUp } from "../support/factories";
import { consoleFixture, seriousViolations, signInThroughForm } from "./console-support";

const fixture = consoleFixture("console-spend");
let admin: SignedUp;
beforeAll(async () => {
  admin = await signUp(fixture.server.url, "Console spend");
});

describe("cost budget and credits in the console", () => {
  const keyName = "Partner quota";
  let secret = "";

  it("the create dialog shows the API's errors beside Day of month and Restore per second, then creates the key with both", async () => {
    const { page } = fixture.browser;
    await signInThroughForm(page, fixture.server.port, admin.email);
    await page.getByRole("button", { name: "Create API key" }).click();
    const dialog = page.getByRole("dialog", { name: "Create an API key" });
    await dialog.getByLabel("Name").fill(keyName);
    await dialog.getByLabel("Agents read").check();
    await dialog.getByLabel("Cost budget").fill("500");
    await dialog.getByLabel("Credits").fill("3");
    await dialog.getByLabel("Refill interval").selectOption("MONTHLY");
    await dialog.getByLabel("Refill amount").fill("100");
    await dialog.getByLabel("Day of month").fill("32");
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Create key" }).click();
    await dialog.getByText("Day of month must be an integer from 1 to 31").waitFor();
    await dialog.getByText("Restore per second must be an integer from 1 to 1,000,000").waitFor();
    expect(await dialog.getByLabel("Day of month").getAttribute("aria-invalid")).toBe("true");
    expect(await seriousViolations(page)).toEqual([]);

    await dialog.getByLabel("Day of month").fill("31");
    await dialog.getByLabel("Restore per second").fill("10");
    await dialog.getByRole("button", { name: "Create key" }).click();
    const shown = page.getByRole("dialog", { name: "Your new API key" });
    secret = await shown.getByLabel("Secret").inputValue();
    await shown.getByRole("button", { name: "Done" }).click();
  }, 60_000);

  it("the key's page shows Cost budget, Restore per second, Credits and Refill, and Credits follows requests live", async () => {
    const { page } = fixture.browser;
    await page.getByRole("link", { name: keyName }).click();
    await page.getByRole("heading", { name: keyName, level: 1 }).waitFor();
    const fact = (name: string) => page.getByLabel(name, { exact: true });
    expect(await fact("Cost budget").textContent()).toBe("500 of 500 points");
    expect(await fact("Restore per second").textContent()).toBe("10");
    expect(await fact("Credits").textContent()).toBe("3");
    expect(await fact("Refill").textContent()).toBe("100 every month on day 31");
    await page.getByText("Live", { exact: true }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    dataOf(await gql(fixture.server.url, "{ viewer { kind } }", {}, secret));
    await page.waitForFunction(
      () => (globalThis as any).document.querySelector("output[aria-labelledby=fact-credits]")?.textContent === "2",
      undefined,
      { timeout: 5000, polling: 50 },
    );
    // The request cost 2 points and the test's clock stands still, so nothing was restored since.
    expect(await fact("Cost budget").textContent()).toBe("498 of 500 points");
  }, 30_000);
});
